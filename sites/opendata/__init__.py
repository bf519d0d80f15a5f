"""Open data of the sites: the public directory in the data·inclusion schema v1 (structures and
services), as JSON and CSV, without login. See datainclusion.py for the mapping of each field.
"""
