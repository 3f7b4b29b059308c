"""Signals communities publish; apps above subscribe in their AppConfig.ready()."""

from django.dispatch import Signal

# Sent with membership= when a person joins a community for the first time (rejoining after
# leaving is not a new member: welcome gifts are given once).
member_joined = Signal()
