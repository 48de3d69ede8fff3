// Copyright (c) 2026, cis_app contributors and contributors
// For license information, please see license.txt

// Entering any figure of a group marks the group as recorded (the server applies the same rule), so
// a typed 0 counts while an empty field stays unknown.
const CIS_DATA_POINT_GROUPS = {
	has_attendance: ["days_enrolled", "days_absent"],
	has_behavior: ["suspensions", "major_incidents", "minor_incidents"],
	has_course: ["failing_math", "failing_ela", "failed_courses"],
	has_gpa: ["gpa"],
};

const cis_data_point_events = {};
Object.entries(CIS_DATA_POINT_GROUPS).forEach(([flag, fields]) => {
	fields.forEach((field) => {
		cis_data_point_events[field] = (frm) => {
			const value = frm.doc[field];
			if (value !== null && value !== undefined && value !== "" && !frm.doc[flag]) {
				frm.set_value(flag, 1);
			}
		};
	});
});

frappe.ui.form.on("Student Data Point", cis_data_point_events);
