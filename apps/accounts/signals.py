from django.dispatch import Signal

# Sent with user= and phone= when someone proves they own a phone number (a sign-in code).
# Orders subscribes: orders placed with that phone before the account existed become theirs.
phone_verified = Signal()
