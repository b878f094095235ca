"""No models. The module exists because Django sends post_migrate only to apps that have one,
and studyhub/apps.py creates the rate-limit cache table on that signal."""
