"""Signals communities publish; apps above subscribe in their AppConfig.ready()."""

from django.dispatch import Signal

# Sent with membership= when a person joins a community for the first time (rejoining after
# leaving is not a new member: welcome gifts are given once).
member_joined = Signal()

# Sent with community= inside the transaction that dissolves it (by its owner, or a temporary
# community reaching its end): apps above close what they run in it, e.g. chains their open chains.
community_dissolved = Signal()

# Sent with community= and users= when a temporary community's members are anonymised, before
# their accounts are cleared: apps above mask what those people left there (e.g. order contacts).
community_members_anonymised = Signal()
