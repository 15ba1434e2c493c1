/*
 * sw.js — the service worker: the app opens with no network.
 *
 * The app's own files (the shell) are cached at install and served cache
 * first, refreshed in the background. API reads that make up the week
 * (whoami, the document list, documents and their timetables) go to the
 * network first and fall back to the last copy, so a teacher on a train
 * still sees their week. Nothing that changes state is ever cached, and
 * signing out deletes the data cache (app.js).
 */
'use strict';
const SHELL = 'yogi-shell-v1';
const DATA = 'yogi-data';
const FILES = ['/', '/index.html', '/app.js', '/calendar.js', '/editor.js', '/engine.js',
  '/app.css', '/favicon.svg', '/manifest.webmanifest', '/icon-192.png'];

self.addEventListener('install', (ev) => {
  ev.waitUntil(caches.open(SHELL).then((c) => c.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (ev) => {
  ev.waitUntil(caches.keys().then((keys) => Promise.all(keys
    .filter((k) => k.startsWith('yogi-shell') && k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

function savedRead(url) {
  return url.pathname === '/v1/whoami' || url.pathname === '/v1/documents' ||
    /^\/v1\/documents\/[^/]+(\/timetable)?$/.test(url.pathname);
}

async function networkFirst(req) {
  const cache = await caches.open(DATA);
  try {
    const res = await fetch(req);
    if (res.ok) cache.put(req, res.clone());
    return res;
  } catch (e) {
    const hit = await cache.match(req);
    if (hit) return hit;
    throw e;
  }
}

async function shellFirst(req) {
  const cache = await caches.open(SHELL);
  const key = req.mode === 'navigate' ? '/index.html' : req;
  const hit = await cache.match(key);
  const fresh = fetch(req).then((res) => {
    if (res.ok && req.mode !== 'navigate') cache.put(req, res.clone());
    return res;
  });
  if (hit) { fresh.catch(() => {}); return hit; }
  return fresh;
}

self.addEventListener('fetch', (ev) => {
  const req = ev.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/v1/events') || url.pathname.startsWith('/feeds/')) return;
  if (url.pathname.startsWith('/v1/')) {
    if (savedRead(url)) ev.respondWith(networkFirst(req));
    return;
  }
  ev.respondWith(shellFirst(req));
});
