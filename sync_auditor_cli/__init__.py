"""`sync-auditor`: the audit history for people, from a terminal.

Runs on the user's machine with their own AWS credentials; the Lambda functions never import it.
"""
