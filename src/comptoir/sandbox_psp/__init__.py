"""A simulated card payment service provider, for the demo and the tests.

It behaves like a real PSP and knows nothing of Comptoir's orders: an API creates payment
intents, a hosted page takes the card (card data never reach the order code), test cards
succeed, are declined or ask for a 3-D Secure challenge, and signed webhooks are sent
asynchronously by a background task over HTTP.

Test cards (any future expiry date, any CVC):
  4242 4242 4242 4242  succeeds
  4000 0000 0000 3220  asks for a 3-D Secure challenge
  4000 0000 0000 0002  is declined
  4000 0000 0000 9995  is declined: insufficient funds
"""
