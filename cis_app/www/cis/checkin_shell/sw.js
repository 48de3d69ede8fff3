// Service worker of the coordinator's phone page, served at /cis/checkin-sw.js (scope /cis/).
//
// It keeps the page's shell (HTML, script, style, manifest, icons) so the page opens without a
// connection. It never stores API answers: the caseload and the queue live in the page's storage,
// keyed by user and cleared at logout (see checkin-app.js).
const CACHE = "cis-checkin-shell-v2";
const PAGE = "/cis/checkin";
const SHELL = [
	PAGE,
	"/cis/checkin-app.js",
	"/cis/checkin-app.css",
	"/cis/checkin.webmanifest",
	"/cis/checkin-icon-192.png",
	"/cis/checkin-icon-512.png",
];

// Only a real answer is kept: not the login page a guest is redirected to, not an error page.
const keepable = (response) => response && response.ok && !response.redirected && response.type === "basic";

async function store(cache, url) {
	try {
		const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
		if (keepable(response)) await cache.put(url, response);
	} catch (e) {
		// offline while installing: kept on the next visit
	}
}

self.addEventListener("install", (event) => {
	event.waitUntil(
		caches
			.open(CACHE)
			.then((cache) => Promise.all(SHELL.map((url) => store(cache, url))))
			.then(() => self.skipWaiting())
	);
});

self.addEventListener("activate", (event) => {
	event.waitUntil(
		caches
			.keys()
			.then((keys) => Promise.all(keys.filter((k) => k.startsWith("cis-checkin-") && k !== CACHE).map((k) => caches.delete(k))))
			.then(() => self.clients.claim())
	);
});

self.addEventListener("fetch", (event) => {
	const request = event.request;
	const url = new URL(request.url);
	if (request.method !== "GET" || url.origin !== self.location.origin) return;
	const path = url.pathname.replace(/\/$/, "");
	if (!SHELL.includes(path)) return; // API calls and everything else: straight to the network
	// network first (a fresh shell and a fresh login check when online), the kept copy when offline
	event.respondWith(
		fetch(request)
			.then(async (response) => {
				if (keepable(response)) {
					const cache = await caches.open(CACHE);
					await cache.put(path, response.clone());
				}
				return response;
			})
			.catch(async () => (await caches.match(path)) || Response.error())
	);
});
