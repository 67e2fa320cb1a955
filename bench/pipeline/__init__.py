"""The pipeline bench's parts: articles to send, the running system, phases, report."""
