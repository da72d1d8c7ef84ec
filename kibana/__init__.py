"""Kibana saved objects for Rasid (data views, searches, dashboard) and their importer."""
