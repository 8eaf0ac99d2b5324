# Incident, follow-up reports, timeline, grading and level rules: see issue 4 (DESIGN.md "incidents/").
