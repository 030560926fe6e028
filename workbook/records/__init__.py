"""The records every stage shares: the base record, organisations and the plan document."""
