"""matchmaker: business networks and masterclass cohorts for Danish business promotion."""

__version__ = "0.1.0"
