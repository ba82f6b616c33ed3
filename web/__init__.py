"""The Flask application: factory, blueprints, forms, auth. Views stay thin."""
