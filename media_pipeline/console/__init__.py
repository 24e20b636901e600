"""The creator console: a static front end (vanilla JS modules) served by the API process at ``/``."""
