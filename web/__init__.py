"""Small helpers every app's web layer shares: view decorators, form pieces, PDF rendering.

It sits at the bottom of the layers beside ``audit`` and imports only Django, so ``people``
and every care app can use it without importing each other (healthchecks' ``hc/lib``).
"""
