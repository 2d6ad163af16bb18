# Survey strand (mothers' questionnaire waves, practitioner survey).
