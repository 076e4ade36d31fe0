"""Flask-free encoders of an answer: API JSON, Civic, VIP, iCalendar, OpenAPI, spoken forms."""
