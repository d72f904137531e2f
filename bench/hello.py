"""The floor of the HTTP benchmarks: Flask's hello-world, served like Intake.

gunicorn --chdir bench hello:app
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
