"""The one exception of the project: a problem with the user's input, printed as one line."""


class DlparityError(ValueError):
    """A problem with the user's input: printed as one line by the command."""
