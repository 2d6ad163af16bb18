"""Survey strand: the mothers' questionnaire waves and the community practitioner survey.

Modules: ``spec`` (the survey codebook and config), ``mothers`` and
``practitioners`` (readers, validation and the cut-off), ``wai`` (WAI-SR
scoring), ``stats`` (Wilson intervals, Wilcoxon signed-rank, Stuart-Maxwell),
``tables`` (tidy tables, key fact, report context), ``steps`` (the Snakemake
rule entry points) and ``figures`` (charts drawn from the table files; the
only module that imports matplotlib).
"""
