"""Activity strand: the social workers' diary -> time by activity, hours and caseload per month.

Modules: ``read`` (the diary validated), ``cutoff`` (entries at the census
date), ``tables``, ``context`` (numbers for the prose), ``figures`` (drawn
from the table CSVs only) and ``steps`` (the rules' entry points).
"""
