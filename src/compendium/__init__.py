"""sister-city-compendium: the Bandung–Seoul smart-city papers as checkable data."""

__version__ = "0.1.0"
