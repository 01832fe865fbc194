"""tremplin, the operator's command line."""
