# Models arrive with the stats issue.
