"""The command line: options in, one library call, output and the exit code out.

``app`` (in ``calcert.cli.app``) is the entry point and the one place that turns errors into
exit codes; each ``commands_*`` module holds a few commands and is imported only when one
of them runs.
"""
