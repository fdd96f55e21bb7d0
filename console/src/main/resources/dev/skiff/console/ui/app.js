// The console: sign-in, then a refresh loop (stats every second, resources every two, optional
// sections every ten), and the two actions, a traffic split and a rollback, through the REST API.
import * as api from './api.js';
import { ServiceCard, isReady, number } from './view.js';

const $ = (id) => document.getElementById(id);
const cards = new Map();
let stats = new Map();
let timers = [];

function say(text) {
  // The live region: action results and errors only.
  $('status').textContent = text;
}

function showSignin(message) {
  timers.forEach(clearInterval);
  timers = [];
  for (const id of ['services', 'events', 'triggers', 'nodes', 'mesh']) $(id).hidden = true;
  $('signout').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message || '';
  $('token').value = '';
  $('token').focus();
}

async function signedIn() {
  $('signin').hidden = true;
  $('signout').hidden = false;
  $('services').hidden = false;
  $('events').hidden = false;
  await refreshStats();
  await refreshResources();
  refreshOptional();
  timers.push(setInterval(refreshStats, 1000));
  timers.push(setInterval(refreshResources, 2000));
  timers.push(setInterval(refreshOptional, 10000));
}

function failed(e) {
  if (e instanceof api.ApiError && e.status === 401) {
    api.forget();
    showSignin('The API refused the token: ' + e.message);
    return;
  }
  say('Error: ' + e.message + (e.hint ? ' (' + e.hint + ')' : ''));
}

async function refreshStats() {
  try {
    const s = await api.get('/v1/stats/revisions');
    stats = new Map(s.revisions.map((r) => [r.namespace + '/' + r.revision, r]));
    $('updated').textContent = 'Updated ' + new Date().toLocaleTimeString();
    for (const card of cards.values()) {
      if (card.service) card.update(card.service, card.revisions, stats);
    }
  } catch (e) {
    failed(e);
  }
}

async function refreshResources() {
  try {
    const [services, revisions, events] = await Promise.all([
      api.get('/v1/services'), api.get('/v1/revisions'), api.get('/v1/events')]);
    renderServices(services.items, revisions.items);
    renderEvents(events.items);
  } catch (e) {
    failed(e);
  }
}

function renderServices(services, revisions) {
  const list = $('service-list');
  const seen = new Set();
  for (const svc of services) {
    const ns = svc.metadata.namespace || 'default';
    const key = ns + '/' + svc.metadata.name;
    seen.add(key);
    let card = cards.get(key);
    if (!card) {
      card = new ServiceCard(svc, { slider: applySplit, rollback: confirmRollback });
      cards.set(key, card);
      list.append(card.root);
    }
    const revs = revisions
      .filter((r) => (r.metadata.namespace || 'default') === ns && r.spec.service === svc.metadata.name)
      .sort((a, b) => number(b) - number(a));
    card.update(svc, revs, stats);
  }
  for (const [key, card] of cards) {
    if (!seen.has(key)) {
      card.root.remove();
      cards.delete(key);
    }
  }
  $('no-services').hidden = services.length > 0;
}

function ago(t) {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(t)) / 1000));
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : `${Math.floor(s / 3600)}h ago`;
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function renderEvents(events) {
  const rows = events.slice(-30).reverse().map((e) => {
    const tr = document.createElement('tr');
    tr.className = e.type === 'Warning' ? 'Warning' : 'Normal';
    tr.append(cell(ago(e.lastTime)), cell(e.type), cell(e.reason), cell(`${e.kind}/${e.name}`), cell(e.message), cell(String(e.count)));
    return tr;
  });
  $('event-rows').replaceChildren(...rows);
}

// Sections for capabilities that may not exist on this skiffd: shown only when their API answers.
async function refreshOptional() {
  try {
    const [triggers, nodes, mesh] = await Promise.all([
      api.optional('/v1/triggers'), api.optional('/v1/nodes'), api.optional('/v1/mesh/status')]);
    renderTriggers(triggers);
    renderNodes(nodes);
    renderMesh(mesh);
  } catch (e) {
    failed(e);
  }
}

function renderTriggers(triggers) {
  $('triggers').hidden = !triggers || triggers.items.length === 0;
  if ($('triggers').hidden) return;
  $('trigger-rows').replaceChildren(...triggers.items.map((t) => {
    const st = t.status || {};
    const spec = t.spec || {};
    const lag = Array.isArray(st.partitions) && st.partitions.length > 0
      ? st.partitions.map((p) => `${p.topic}/${p.partition}: ${p.lag}`).join(', ')
      : st.lag !== undefined ? String(st.lag) : '–';
    const tr = document.createElement('tr');
    tr.append(cell(t.metadata.name), cell(t.metadata.namespace || 'default'), cell(spec.topic || (spec.topics || []).join(', ') || '–'),
      cell(spec.service || (spec.subscriber && (spec.subscriber.service || spec.subscriber.uri)) || '–'), cell(lag),
      cell(st.deadLettered !== undefined ? String(st.deadLettered) : '–'));
    return tr;
  }));
}

function renderNodes(nodes) {
  $('nodes').hidden = !nodes || nodes.items.length === 0;
  if ($('nodes').hidden) return;
  $('node-rows').replaceChildren(...nodes.items.map((n) => {
    const spec = n.spec || {};
    const st = n.status || {};
    const cap = spec.capacity || st.capacity;
    const tr = document.createElement('tr');
    const ready = ((st.conditions || []).find((c) => c.type === 'Ready') || {}).status || 'Unknown';
    tr.append(cell(n.metadata.name), cell(spec.address || '–'), cell(cap ? JSON.stringify(cap) : '–'),
      cell(st.instances !== undefined ? String(st.instances) : '–'), cell(ready));
    return tr;
  }));
}

function renderMesh(mesh) {
  $('mesh').hidden = !mesh;
  if (!mesh) return;
  $('mesh-domain').textContent = `Trust domain ${mesh.trustDomain}`;
  const ids = mesh.identities || [];
  $('mesh-rows').replaceChildren(...(ids.length ? ids : [null]).map((i) => {
    const tr = document.createElement('tr');
    if (!i) {
      const td = cell('No workload certificates issued yet.');
      td.colSpan = 3;
      tr.append(td);
    } else {
      tr.append(cell(i.spiffeId), cell(`${i.notAfter} (${Math.round((Date.parse(i.notAfter) - Date.now()) / 3600000)} h left)`), cell(i.serial));
    }
    return tr;
  }));
}

/** Spec traffic entries with a tag on another revision: kept, at 0 %, so tag URLs keep working. */
function keptTags(card, except) {
  return ((card.service.spec || {}).traffic || [])
    .filter((t) => t.tag && !except.includes(t.revisionName))
    .map((t) => ({ revisionName: t.revisionName || card.service.status.latestReadyRevisionName, percent: 0, tag: t.tag }));
}

function tagOf(card, revision) {
  const t = ((card.service.spec || {}).traffic || []).find((x) => x.revisionName === revision && x.tag);
  return t ? t.tag : undefined;
}

async function applySplit(card, value) {
  const [newer, older] = card.pair;
  const traffic = [
    { revisionName: newer, percent: value, tag: tagOf(card, newer) },
    { revisionName: older, percent: 100 - value, tag: tagOf(card, older) },
  ].filter((t) => t.percent > 0 || t.tag).concat(keptTags(card, [newer, older]));
  try {
    await api.putTraffic(card.ns, card.name, traffic);
    card.dirty = false;
    say(`Traffic of ${card.name}: ${newer} ${value}%, ${older} ${100 - value}%.`);
    await refreshResources();
  } catch (e) {
    failed(e);
  }
}

/** Where a rollback sends all traffic: as the CLI's rollback does. */
function rollbackTarget(card) {
  const percents = new Map();
  for (const t of card.service.status.traffic || []) {
    if (t.revisionName) percents.set(t.revisionName, (percents.get(t.revisionName) || 0) + (t.percent || 0));
  }
  const num = (name) => {
    const r = card.revisions.find((x) => x.metadata.name === name);
    return r ? number(r) : 0;
  };
  let current = null;
  for (const [name, p] of percents) {
    if (current === null || p > percents.get(current) || (p === percents.get(current) && num(name) > num(current))) current = name;
  }
  if (current === null) return { error: `${card.name} has no revision receiving traffic yet.` };
  const target = card.revisions.filter((r) => number(r) < num(current) && isReady(r)).sort((a, b) => number(b) - number(a))[0];
  if (!target) return { error: `No ready revision of ${card.name} older than ${current} to roll back to.` };
  return { current, percent: percents.get(current), target: target.metadata.name };
}

function confirmRollback(card, button) {
  const plan = rollbackTarget(card);
  if (plan.error) {
    say(plan.error);
    return;
  }
  const dialog = $('confirm');
  $('confirm-text').textContent =
    `Send all traffic of ${card.name} to ${plan.target}? ${plan.current} gets ${plan.percent}% now.`;
  const ok = $('confirm-ok');
  const cancel = $('confirm-cancel');
  const close = () => {
    dialog.close();
    ok.onclick = null;
    cancel.onclick = null;
    button.focus();
  };
  cancel.onclick = close;
  dialog.oncancel = close;
  ok.onclick = async () => {
    close();
    try {
      await api.putTraffic(card.ns, card.name, [{ revisionName: plan.target, percent: 100, tag: tagOf(card, plan.target) }]
        .concat(keptTags(card, [plan.target])));
      say(`Rolled back ${card.name}: all traffic to ${plan.target}.`);
      await refreshResources();
    } catch (e) {
      failed(e);
    }
  };
  dialog.showModal();
  cancel.focus();
}

document.addEventListener('DOMContentLoaded', () => {
  $('signin-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const t = $('token').value.trim();
    if (!t) {
      $('signin-error').textContent = 'Enter a token.';
      return;
    }
    api.remember(t);
    $('token').value = '';
    try {
      await api.get('/v1/services');
      say('Signed in.');
      await signedIn();
      $('main').focus();
    } catch (e) {
      api.forget();
      showSignin(e instanceof api.ApiError && e.status === 401 ? 'The API refused the token: ' + e.message : e.message);
    }
  });
  $('signout').addEventListener('click', () => {
    api.forget();
    showSignin('Token forgotten.');
  });
  if (api.token()) {
    signedIn().catch(failed);
  } else {
    showSignin();
  }
});
