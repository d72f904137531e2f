"""WTForms classes built at run time from the questionnaire model."""
