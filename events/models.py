# Models arrive with the events issue.
