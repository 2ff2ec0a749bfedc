"""The register's vocabulary: records, terms and durations, ids, findings and their codes.

Pure data and arithmetic: nothing here reads a file or prints.
"""
