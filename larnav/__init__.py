"""Lärnav: competence development for regional consortia in Swedish social services."""
