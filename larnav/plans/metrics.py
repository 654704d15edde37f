"""The metrics computed indicators can name (see ``larnav.plans.registry``)."""
