class UndeliverableError(Exception):
    """The recipient cannot be reached on this channel; retrying will not help."""
