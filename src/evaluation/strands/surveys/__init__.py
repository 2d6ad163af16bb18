"""Survey strand: the mothers' questionnaire waves and the community practitioner survey.

The stages of the strand contract (:mod:`evaluation.core.stage`): ``read``
(one wave file -> validated answers, both instruments), ``cutoff`` (every
wave at the census date; case ids, wave order, answer status, WAI-SR scores),
``tables`` (tidy tables and the key fact), ``context`` (what the report's
prose reads), ``figures`` (charts drawn from the table files; the only module
that imports matplotlib) and ``steps`` (the Snakemake rule entry points).
Beside them: ``spec`` (the survey codebook and config), ``mothers_file`` and
``practitioner_export`` (what each instrument's file must look like; a
Qualtrics practitioner export), ``platforms`` (practitioner exports of
Microsoft Forms, JISC Online Surveys and REDCap, and which platform wrote a file),
``wai`` (WAI-SR scoring) and ``stats``
(Wilson intervals, Wilcoxon signed-rank, Stuart-Maxwell).
"""
