"""Judge: targets, the dimension registry, scoring, verdicts and advice."""
