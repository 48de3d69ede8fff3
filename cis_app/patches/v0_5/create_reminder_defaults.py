from cis_app.cis_case_management.reminders import create_reminder_notifications


def execute() -> None:
	"""The reminder Notifications an admin can reword or switch off (created once)."""
	create_reminder_notifications()
