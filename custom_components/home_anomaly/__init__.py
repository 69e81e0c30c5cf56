"""Home Anomaly: learns what normal looks like in a home and raises priority-ranked alerts.

The Home Assistant glue (config flow, coordinator, entities) arrives with issue C; the
plain-Python core lives in ``engine/``.
"""
