// The coordinator's phone page (/cis/checkin). Plain JS, no build step.
//
// Kept on the phone, per user (keys end with the user's id; another user's keys are deleted as soon
// as the server names who is logged in):
//   cis-checkin:user             the last user the server named
//   cis-checkin:caseload:<user>  {fetched_at (phone ms), hours, data} - expires after `hours`
//   cis-checkin:queue:<user>     entries not yet recorded: {client_id, kind, payload,
//                                recorded_at_device, state: "waiting"|"refused", message}
// Logging out from the page deletes all of them. Entries carry an id made on the phone when the form
// opens, so a double tap, a retry or a second send is recorded once (cis_app.core.offline_sync).
(() => {
	"use strict";

	const config = JSON.parse(document.getElementById("checkin-config").textContent);
	const S = config.strings;
	const PREFIX = "cis-checkin:";
	const API = "/api/method/cis_app.api.checkin.";
	const RETRY_MS = 30000; // the longest wait between tries while entries wait
	const FIRST_RETRY_MS = 2000; // the first retry after a send failed (a dropped answer, a busy server)
	const BATCH = 100;

	// tells the server this browser keeps the page's data, so logging out anywhere on the site clears it
	// (cis_app.api.checkin.clear_phone_on_logout); other browsers' storage is not touched
	document.cookie = "cis_phone_storage=1; path=/; SameSite=Lax";

	const state = {
		user: localStorage.getItem(PREFIX + "user") || null,
		csrf: null,
		data: null, // the caseload answer
		showAll: false,
		sessionEnded: false,
		sending: false,
		sendAgain: false, // an entry was saved while a send was under way: send once that one ends
		retryMs: 0, // after a failed send, the wait before the next try (doubles up to RETRY_MS)
		retryTimer: null,
		editing: null, // the client_id of the form being filled
	};

	const $ = (id) => document.getElementById(id);
	const fmt = (text, ...args) => text.replace(/\{(\d+)\}/g, (_m, i) => (args[i] === undefined ? "" : args[i]));
	const esc = (value) =>
		String(value === null || value === undefined ? "" : value).replace(
			/[&<>"']/g,
			(c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]
		);

	// ------------------------------------------------------------ storage, keyed by user

	const key = (name) => PREFIX + name + ":" + state.user;
	const readJSON = (name, fallback) => {
		if (!state.user) return fallback;
		try {
			return JSON.parse(localStorage.getItem(key(name))) ?? fallback;
		} catch (e) {
			return fallback;
		}
	};
	const writeJSON = (name, value) => state.user && localStorage.setItem(key(name), JSON.stringify(value));
	const getQueue = () => readJSON("queue", []);
	const setQueue = (queue) => {
		writeJSON("queue", queue);
		renderQueue();
	};

	function clearAll() {
		Object.keys(localStorage)
			.filter((k) => k.startsWith(PREFIX))
			.forEach((k) => localStorage.removeItem(k));
	}

	function forgetOtherUsers(user) {
		Object.keys(localStorage)
			.filter((k) => k.startsWith(PREFIX) && k !== PREFIX + "user" && !k.endsWith(":" + user))
			.forEach((k) => localStorage.removeItem(k));
		localStorage.setItem(PREFIX + "user", user);
		state.user = user;
		renderQueue();
	}

	// the same rule as cis_app.core.offline_sync.is_cache_expired, on the phone's own clock
	function cacheExpired(entry, now) {
		if (!entry || !entry.fetched_at || entry.fetched_at > now) return true;
		return now >= entry.fetched_at + entry.hours * 3600 * 1000;
	}

	function cachedCaseload() {
		const entry = readJSON("caseload", null);
		if (entry && cacheExpired(entry, Date.now())) {
			localStorage.removeItem(key("caseload"));
			return { expired: true };
		}
		return entry;
	}

	function newId() {
		if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
		const b = crypto.getRandomValues(new Uint8Array(16));
		b[6] = (b[6] & 0x0f) | 0x40;
		b[8] = (b[8] & 0x3f) | 0x80;
		const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
		return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
	}

	function localToday() {
		const d = new Date();
		return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
	}

	// ------------------------------------------------------------ talking to the server

	class SessionEnded extends Error {}

	class TooManyRequests extends Error {
		constructor(seconds) {
			super("429");
			this.seconds = seconds;
		}
	}

	async function call(method, { body, retried } = {}) {
		const options = { credentials: "same-origin", headers: { Accept: "application/json" } };
		if (body) {
			options.method = "POST";
			options.headers["Content-Type"] = "application/json";
			if (state.csrf) options.headers["X-Frappe-CSRF-Token"] = state.csrf;
			options.body = JSON.stringify(body);
		}
		const response = await fetch(API + method, options); // throws when offline
		if (response.status === 429 || (response.status === 503 && response.headers.get("Retry-After"))) {
			// too many entries this minute, or the server's database or cache is down for a moment: the
			// server says how long to wait; nothing was recorded
			throw new TooManyRequests(Number(response.headers.get("Retry-After")) || RETRY_MS / 1000);
		}
		if (response.status === 401 || response.status === 403) {
			// a guest (the session ended or was logged out elsewhere) or a user who lost the staff role:
			// either way the way on is the login page, which answers 403 to the latter
			throw new SessionEnded();
		}
		if ((response.status === 400 || response.status === 417) && !retried) {
			const answer = await response.clone().json().catch(() => ({}));
			if (answer.exc_type === "CSRFTokenError") {
				// a page opened from the phone's cache holds an older session's token
				await loadSession();
				return call(method, { body, retried: true });
			}
		}
		if (!response.ok) throw new Error(S.load_failed);
		return (await response.json()).message;
	}

	async function loadSession() {
		const info = await call("session");
		state.csrf = info.csrf_token;
		state.sessionEnded = false;
		if (info.user !== state.user) {
			forgetOtherUsers(info.user);
		} else {
			localStorage.setItem(PREFIX + "user", info.user);
		}
		return info;
	}

	async function refreshCaseload() {
		const data = await call("caseload");
		if (data.user !== state.user) forgetOtherUsers(data.user);
		writeJSON("caseload", { fetched_at: Date.now(), hours: data.cache_hours || config.cache_hours, data });
		state.data = data;
		renderCaseload();
		renderQueue();
	}

	function sessionEnded() {
		state.sessionEnded = true;
		state.csrf = null;
		// the caseload is not shown to whoever holds the phone now; the queue waits for the login
		if (state.user) localStorage.removeItem(key("caseload"));
		state.data = null;
		renderCaseload();
		renderQueue();
		const waiting = getQueue().length;
		showNotice(
			`${esc(S.session_ended)} <a href="/login?redirect-to=${encodeURIComponent("/cis/checkin")}">${esc(S.log_in)}</a>` +
				(waiting ? ` (${esc(fmt(S.n_waiting, waiting))})` : ""),
			false,
			true
		);
	}

	function retrySoon() {
		// a failed send is tried again after 2 s, 4 s, 8 s ... up to RETRY_MS, not only on the next tick
		state.retryMs = Math.min(state.retryMs ? state.retryMs * 2 : FIRST_RETRY_MS, RETRY_MS);
		clearTimeout(state.retryTimer);
		state.retryTimer = setTimeout(sendQueue, state.retryMs);
	}

	async function sendQueue() {
		if (!navigator.onLine) return;
		if (state.sending) {
			state.sendAgain = true; // what was saved meanwhile goes as soon as this send ends
			return;
		}
		const all = getQueue().filter((e) => e.state === "waiting");
		const waiting = all.slice(0, BATCH); // the server takes at most 200 at a time
		if (!waiting.length) return;
		state.sending = true;
		state.sendAgain = false;
		let failed = false;
		try {
			if (!state.csrf) await loadSession();
			const answers = await call("sync", {
				body: {
					entries: waiting.map((e) => ({
						client_id: e.client_id,
						kind: e.kind,
						payload: e.payload,
						recorded_at_device: e.recorded_at_device,
					})),
				},
			});
			const byId = Object.fromEntries(answers.map((a) => [a.client_id, a]));
			let sent = 0;
			let refused = 0;
			const queue = getQueue()
				.map((entry) => {
					const answer = byId[entry.client_id];
					if (!answer || entry.state !== "waiting") return entry;
					if (answer.status === "created" || answer.status === "duplicate") {
						sent += 1;
						return null;
					}
					refused += 1;
					return { ...entry, state: "refused", message: answer.message };
				})
				.filter(Boolean);
			setQueue(queue);
			const parts = [];
			if (sent) parts.push(fmt(S.sent_n, sent));
			if (refused) parts.push(fmt(S.refused_n, refused));
			if (parts.length) showNotice(esc(parts.join(" ")), !refused);
			if (all.length > waiting.length) setTimeout(sendQueue, 0);
			else if (sent) refreshCaseload().catch(() => {});
			state.retryMs = 0;
		} catch (error) {
			if (error instanceof SessionEnded) sessionEnded();
			else if (error instanceof TooManyRequests) {
				// the entries stay and go again when the server said
				showNotice(esc(fmt(S.wait_seconds, error.seconds)));
				clearTimeout(state.retryTimer);
				state.retryTimer = setTimeout(sendQueue, error.seconds * 1000);
			}
			// offline or the server unreachable: the entries stay and are sent on the next try
			else failed = true;
		} finally {
			state.sending = false;
		}
		if (failed) retrySoon();
		else if (state.sendAgain) setTimeout(sendQueue, 0);
	}

	// ------------------------------------------------------------ rendering

	function showNotice(html, ok = false, sticky = false) {
		const notice = $("notice");
		notice.innerHTML = html;
		notice.classList.toggle("ok", ok);
		notice.hidden = !html;
		notice.dataset.sticky = sticky ? "1" : "";
	}

	function renderNet() {
		const online = navigator.onLine;
		const net = $("net");
		net.textContent = online ? S.online : S.offline;
		net.classList.toggle("offline", !online);
	}

	function daysText(days) {
		if (days === null || days === undefined) return S.never;
		if (days === 0) return S.today_checkin;
		if (days === 1) return S.day_since;
		return fmt(S.days_since, days);
	}

	function isMine(student) {
		return student.tier === "Tier 3" || ["Tier 2", "Tier 3"].includes(student.suggested_tier);
	}

	function renderCaseload() {
		const list = $("students");
		const data = state.data;
		$("fetched").textContent = data ? fmt(S.fetched_at, new Date(readJSON("caseload", {}).fetched_at || Date.now()).toLocaleString()) : "";
		$("new-group").disabled = !data;
		if (!data) {
			list.innerHTML = "";
			$("groups").innerHTML = "";
			return;
		}
		const query = $("search").value.trim().toLowerCase();
		const students = data.students.filter(
			(s) =>
				(state.showAll || query || isMine(s)) &&
				(!query || `${s.student_name} ${s.name}`.toLowerCase().includes(query))
		);
		list.innerHTML = students.length
			? students
					.slice(0, 200)
					.map((s) => {
						const tags = [];
						if (s.tier) tags.push(`<span class="tag tier3">${esc(s.tier)}</span>`);
						else if (s.suggested_tier) tags.push(`<span class="tag">${esc(fmt(S.suggested, s.suggested_tier))}</span>`);
						if (s.meeting_overdue) tags.push(`<span class="tag alert">${esc(S.overdue)}</span>`);
						if (s.review_due) tags.push(`<span class="tag warn">${esc(S.review_due)}</span>`);
						s.flags.forEach((f) => tags.push(`<span class="tag warn">${esc(f)}</span>`));
						if (s.goals.length) tags.push(`<span class="tag">${esc(fmt(S.goals_n, s.goals.length))}</span>`);
						return `<li><button type="button" class="student" data-student="${esc(s.name)}">
							<span class="name">${esc(s.student_name)}</span>
							<span class="meta">${esc(fmt(S.grade, s.grade_level))} · ${esc(s.site)} · ${esc(daysText(s.days_since_checkin))}</span>
							<span class="tags">${tags.join("")}</span></button></li>`;
					})
					.join("")
			: `<li class="entry muted">${esc(S.no_students)}</li>`;
		const groups = data.group_sessions || [];
		$("groups").innerHTML = groups.length
			? groups
					.map(
						(g) => `<li class="entry"><strong>${esc(g.support_type)}</strong>
						<span class="meta">${esc(g.site)} · ${esc(fmt(S.present_n, g.attendance_count))} · ${esc(g.minutes)} ${esc(S.minutes.toLowerCase())}</span></li>`
					)
					.join("")
			: `<li class="entry muted">${esc(S.no_groups)}</li>`;
	}

	function entryTitle(entry) {
		const p = entry.payload;
		if (entry.kind === "check_in") {
			const student = (state.data?.students || []).find((s) => s.name === p.student);
			const name = entry.student_name || (student && student.student_name) || p.student;
			return `${S.kind_check_in}: ${name} · ${p.checkin_date}`;
		}
		return `${S.kind_group_session}: ${p.support_type} · ${p.session_date} · ${fmt(S.present_n, (p.attendees || []).length)}`;
	}

	// a check-in can be fixed on the page only for a student still in the caseload; otherwise discard it
	function canFix(entry) {
		if (!state.data) return false;
		return entry.kind !== "check_in" || state.data.students.some((s) => s.name === entry.payload.student);
	}

	function renderQueue() {
		const queue = getQueue();
		$("queue").hidden = !queue.length;
		$("queue-count").textContent = queue.length ? `(${queue.length})` : "";
		$("send-now").disabled = !queue.some((e) => e.state === "waiting");
		$("queue-list").innerHTML = queue
			.map(
				(e) => `<li class="entry ${e.state}" data-client-id="${esc(e.client_id)}">
					<strong>${esc(entryTitle(e))}</strong>
					<span class="meta">${esc(e.state === "refused" ? S.refused : S.waiting)}</span>
					${e.state === "refused" ? `<p class="reason">${esc(e.message)}</p>
					<div class="row-actions">
						${canFix(e) ? `<button type="button" class="secondary" data-fix="${esc(e.client_id)}">${esc(S.fix)}</button>` : ""}
						<button type="button" class="secondary" data-discard="${esc(e.client_id)}">${esc(S.discard)}</button>
					</div>` : ""}
				</li>`
			)
			.join("");
	}

	function show(view) {
		["view-list", "view-checkin", "view-group"].forEach((id) => ($(id).hidden = id !== view));
	}

	function fillSelect(select, options, value) {
		select.innerHTML = options.map((o) => `<option value="${esc(o.value)}">${esc(o.label)}</option>`).join("");
		if (value !== undefined && value !== null) select.value = value;
	}

	// ------------------------------------------------------------ the check-in form

	function openCheckIn(studentName, entry) {
		const student = state.data.students.find((s) => s.name === studentName);
		if (!student) return;
		const p = entry ? entry.payload : {};
		state.editing = entry ? entry.client_id : newId();
		$("checkin-form").dataset.student = student.name;
		$("checkin-title").textContent = fmt(S.checkin_for, student.student_name);
		$("checkin-student-info").textContent = `${fmt(S.grade, student.grade_level)} · ${student.site} · ${daysText(student.days_since_checkin)}`;
		$("checkin-errors").textContent = "";
		const today = localToday();
		$("ci-date").value = p.checkin_date || today;
		$("ci-date").max = today;
		fillSelect($("ci-with"), state.data.options.contact_with, p.contact_with || "Student");
		fillSelect($("ci-how"), state.data.options.contact_method, p.contact_method || "In Person");
		$("ci-minutes").value = p.minutes || 15;
		$("ci-formal").checked = !!p.is_formal_meeting;
		$("ci-note").value = p.notes || "";
		const previous = Object.fromEntries((p.goal_updates || []).map((g) => [g.goal, g.new_value]));
		$("ci-goals").hidden = !student.goals.length;
		$("ci-goal-rows").innerHTML = student.goals
			.map(
				(g, i) => `<div class="goal"><label for="ci-goal-${i}">${esc(g.label)} — ${esc(fmt(S.goal_current, g.current_value ?? "–"))}</label>
				<input type="number" step="any" id="ci-goal-${i}" data-goal="${esc(g.goal)}" inputmode="decimal" value="${esc(previous[g.goal] ?? "")}"></div>`
			)
			.join("");
		$("ci-save").disabled = false;
		show("view-checkin");
		$("checkin-title").setAttribute("tabindex", "-1");
		$("checkin-title").focus();
	}

	function validMinutes(value, errors) {
		const minutes = Number(value);
		if (!value) errors.push(fmt(S.required, S.minutes));
		else if (!Number.isInteger(minutes) || minutes < 1 || minutes > 600) errors.push(fmt(S.minutes_range, 600));
		return minutes;
	}

	function saveCheckIn(event) {
		event.preventDefault();
		const errors = [];
		const date = $("ci-date").value;
		if (!date) errors.push(fmt(S.required, S.date));
		else if (date > localToday()) errors.push(S.future_date);
		const minutes = validMinutes($("ci-minutes").value, errors);
		if (errors.length) {
			$("checkin-errors").textContent = errors.join(" ");
			return;
		}
		const student = state.data.students.find((s) => s.name === $("checkin-form").dataset.student);
		const goal_updates = Array.from(document.querySelectorAll("#ci-goal-rows input"))
			.filter((input) => input.value !== "")
			.map((input) => ({ goal: input.dataset.goal, new_value: Number(input.value) }));
		const payload = {
			student: student.name,
			checkin_date: date,
			contact_with: $("ci-with").value,
			contact_method: $("ci-how").value,
			minutes,
			is_formal_meeting: $("ci-formal").checked ? 1 : 0,
			notes: $("ci-note").value.trim(),
		};
		if (goal_updates.length) {
			payload.support_plan = student.support_plan;
			payload.goal_updates = goal_updates;
		}
		enqueue("check_in", payload, { student_name: student.student_name });
	}

	// ------------------------------------------------------------ the group-session form

	function openGroup(entry) {
		const data = state.data;
		const p = entry ? entry.payload : {};
		state.editing = entry ? entry.client_id : newId();
		$("group-errors").textContent = "";
		fillSelect($("gs-site"), data.sites.map((s) => ({ value: s, label: s })), p.site || data.sites[0]);
		fillSelect($("gs-support"), [{ value: "", label: "" }, ...data.support_types.map((t) => ({ value: t.name, label: t.label }))], p.support_type || "");
		const today = localToday();
		$("gs-date").value = p.session_date || today;
		$("gs-date").max = today;
		$("gs-minutes").value = p.minutes || 30;
		$("gs-filter").value = "";
		$("group-form").dataset.selected = JSON.stringify((p.attendees || []).map((a) => a.student));
		renderRoster();
		$("gs-save").disabled = false;
		show("view-group");
		$("group-title").setAttribute("tabindex", "-1");
		$("group-title").focus();
	}

	function selected() {
		return JSON.parse($("group-form").dataset.selected || "[]");
	}

	function renderRoster() {
		const site = $("gs-site").value;
		const query = $("gs-filter").value.trim().toLowerCase();
		const chosen = new Set(selected());
		const students = state.data.students.filter(
			(s) => s.site === site && (!query || `${s.student_name} ${s.name}`.toLowerCase().includes(query))
		);
		students.sort((a, b) => Number(chosen.has(b.name)) - Number(chosen.has(a.name)) || a.student_name.localeCompare(b.student_name));
		$("gs-roster").innerHTML = students
			.slice(0, 300)
			.map(
				(s) => `<li><button type="button" data-roster="${esc(s.name)}" aria-pressed="${chosen.has(s.name)}">${esc(s.student_name)} · ${esc(fmt(S.grade, s.grade_level))}</button></li>`
			)
			.join("");
		$("gs-count").textContent = `(${fmt(S.selected_n, chosen.size)})`;
	}

	function toggleRoster(name) {
		const chosen = new Set(selected());
		if (chosen.has(name)) chosen.delete(name);
		else chosen.add(name);
		$("group-form").dataset.selected = JSON.stringify([...chosen]);
		const button = document.querySelector(`[data-roster="${CSS.escape(name)}"]`);
		if (button) button.setAttribute("aria-pressed", String(chosen.has(name)));
		$("gs-count").textContent = `(${fmt(S.selected_n, chosen.size)})`;
	}

	function saveGroup(event) {
		event.preventDefault();
		const errors = [];
		const date = $("gs-date").value;
		if (!$("gs-support").value) errors.push(S.pick_support);
		if (!date) errors.push(fmt(S.required, S.date));
		else if (date > localToday()) errors.push(S.future_date);
		const minutes = validMinutes($("gs-minutes").value, errors);
		const students = selected();
		if (!students.length) errors.push(S.pick_student);
		if (errors.length) {
			$("group-errors").textContent = errors.join(" ");
			return;
		}
		enqueue("group_session", {
			site: $("gs-site").value,
			support_type: $("gs-support").value,
			session_date: date,
			minutes,
			provider_type: "Staff",
			attendees: students.map((student) => ({ student, present: 1 })),
		});
	}

	// ------------------------------------------------------------ the queue

	function enqueue(kind, payload, shown = {}) {
		const client_id = state.editing;
		if (!client_id) return; // a second tap after the form closed
		state.editing = null;
		$("ci-save").disabled = true;
		$("gs-save").disabled = true;
		const queue = getQueue();
		const entry = {
			client_id,
			kind,
			payload,
			recorded_at_device: new Date().toISOString(),
			state: "waiting",
			message: "",
			...shown, // what the queue shows (never sent)
		};
		const at = queue.findIndex((e) => e.client_id === client_id);
		if (at >= 0) queue[at] = entry; // a fixed refusal keeps its id
		else queue.push(entry);
		setQueue(queue);
		show("view-list");
		showNotice(esc(S.saved_queued), true);
		$("main").focus();
		sendQueue();
	}

	function discard(clientId) {
		if (!window.confirm(S.confirm_discard)) return;
		const queue = getQueue().filter((e) => e.client_id !== clientId);
		setQueue(queue);
		showNotice(esc(queue.length ? S.discarded : S.discarded_all), true);
	}

	function fix(clientId) {
		const entry = getQueue().find((e) => e.client_id === clientId);
		if (!entry || !state.data) return;
		if (entry.kind === "check_in") openCheckIn(entry.payload.student, entry);
		else openGroup(entry);
	}

	async function logout() {
		const waiting = getQueue().length;
		if (waiting && !window.confirm(fmt(S.confirm_logout, waiting))) return;
		clearAll();
		state.user = null;
		state.data = null;
		try {
			await fetch("/api/method/logout", { credentials: "same-origin" });
		} catch (e) {
			// offline: nothing of the user is left on the phone; the server session ends on its own
		}
		window.location.href = "/login?redirect-to=" + encodeURIComponent("/cis/checkin");
	}

	// ------------------------------------------------------------ start

	function bind() {
		$("search").addEventListener("input", renderCaseload);
		$("show-mine").addEventListener("click", () => setShowAll(false));
		$("show-all").addEventListener("click", () => setShowAll(true));
		$("students").addEventListener("click", (e) => {
			const button = e.target.closest("[data-student]");
			if (button) openCheckIn(button.dataset.student);
		});
		$("new-group").addEventListener("click", () => openGroup());
		$("checkin-form").addEventListener("submit", saveCheckIn);
		$("group-form").addEventListener("submit", saveGroup);
		$("gs-site").addEventListener("change", () => {
			$("group-form").dataset.selected = "[]";
			renderRoster();
		});
		$("gs-filter").addEventListener("input", renderRoster);
		$("gs-roster").addEventListener("click", (e) => {
			const button = e.target.closest("[data-roster]");
			if (button) toggleRoster(button.dataset.roster);
		});
		document.querySelectorAll("[data-cancel]").forEach((b) =>
			b.addEventListener("click", () => {
				state.editing = null;
				show("view-list");
				$("main").focus();
			})
		);
		$("queue-list").addEventListener("click", (e) => {
			const target = e.target.closest("button");
			if (!target) return;
			if (target.dataset.fix) fix(target.dataset.fix);
			if (target.dataset.discard) discard(target.dataset.discard);
		});
		$("send-now").addEventListener("click", sendQueue);
		$("logout").addEventListener("click", logout);
		window.addEventListener("online", () => {
			renderNet();
			start();
		});
		window.addEventListener("offline", renderNet);
		setInterval(() => getQueue().some((e) => e.state === "waiting") && sendQueue(), RETRY_MS);
	}

	function setShowAll(all) {
		state.showAll = all;
		$("show-mine").setAttribute("aria-pressed", String(!all));
		$("show-all").setAttribute("aria-pressed", String(all));
		renderCaseload();
	}

	function showCached() {
		const cached = cachedCaseload();
		if (cached && cached.data) {
			state.data = cached.data;
		} else {
			state.data = null;
			showNotice(esc(cached && cached.expired ? S.cache_expired : S.no_cache), false, true);
		}
		renderCaseload();
	}

	async function start() {
		if (!navigator.onLine) return showCached();
		try {
			await loadSession();
			if (!state.data) showNotice(esc(S.loading));
			await refreshCaseload();
			if ($("notice").dataset.sticky || $("notice").textContent === S.loading) showNotice("");
			await sendQueue();
		} catch (error) {
			if (error instanceof SessionEnded) return sessionEnded();
			showCached(); // the network dropped: what the phone has, if not expired
		}
	}

	bind();
	renderNet();
	showCached();
	renderQueue();
	start();
	if ("serviceWorker" in navigator) {
		navigator.serviceWorker.register("/cis/checkin-sw.js", { scope: "/cis/" }).catch(() => {});
	}
})();
