"""Domain of the articles service: sections, content rules, workflow, search and related."""
