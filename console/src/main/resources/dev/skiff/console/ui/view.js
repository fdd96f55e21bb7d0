// The services section: one card per service, built once and then updated in place, so focus,
// a slider being moved and a screen reader's position survive the refreshes.
import { createPlot, drawPlot } from './plot.js';

export const HISTORY = 60;

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'hidden') e.hidden = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

/** A string safe inside an id attribute. */
export function idOf(...parts) {
  return parts.join('--').replace(/[^A-Za-z0-9_-]/g, '_');
}

function ready(resource) {
  const c = ((resource.status || {}).conditions || []).find((k) => k.type === 'Ready');
  if (!c) return { text: 'Unknown', cls: 'wait' };
  if (c.status === 'True') return { text: 'Ready', cls: 'ok' };
  const why = [c.reason, c.message].filter(Boolean).join(': ');
  return { text: (c.status === 'False' ? 'Failed' : 'Not ready') + (why ? ' (' + why + ')' : ''), cls: c.status === 'False' ? 'bad' : 'wait' };
}

export function isReady(rev) {
  return ready(rev).cls === 'ok';
}

export function number(rev) {
  return rev.spec && rev.spec.number ? rev.spec.number : 0;
}

function fmt(v, digits = 1) {
  return Number.isFinite(v) ? v.toFixed(digits) : '–';
}

/** The card of one service; `actions` has slider(service, value) and rollback(service, button). */
export class ServiceCard {
  constructor(service, actions) {
    this.ns = service.metadata.namespace || 'default';
    this.name = service.metadata.name;
    this.actions = actions;
    this.rows = new Map();
    const hid = idOf('svc', this.ns, this.name);
    this.root = el('article', { class: 'service', 'aria-labelledby': hid, 'data-service': this.name, 'data-namespace': this.ns });
    this.title = el('h3', { id: hid });
    this.facts = el('dl', { class: 'facts' });
    this.tbody = el('tbody');
    const table = el('table', { class: 'revisions' },
      el('caption', { class: 'visually-hidden', text: `Revisions of ${this.name}` }),
      el('thead', {}, el('tr', {}, ...['Revision', 'Status', 'Traffic', 'Instances ready / desired', 'Requests/s',
        'Errors', 'Latency p50 / p90 / p99 (ms)', 'Cold starts', 'Requests/s, last minute', 'p99 latency, last minute']
        .map((h) => el('th', { scope: 'col', text: h })))),
      this.tbody);
    // Traffic between the newest ready revision and the one before it.
    const sid = idOf('split', this.ns, this.name);
    this.slider = el('input', { type: 'range', id: sid, min: '0', max: '100', step: '5', 'aria-describedby': sid + '-out' });
    this.sliderLabel = el('label', { for: sid });
    this.output = el('output', { id: sid + '-out', for: sid });
    this.apply = el('button', { type: 'button', class: 'apply', text: 'Apply split' });
    this.split = el('fieldset', { class: 'split' }, el('legend', { text: 'Traffic split' }), this.sliderLabel, this.slider, ' ', this.output, ' ', this.apply);
    this.noSplit = el('p', { class: 'muted', text: 'Two ready revisions are needed to split traffic.' });
    this.rollback = el('button', { type: 'button', class: 'danger rollback', text: 'Roll back…' });
    this.root.append(this.title, this.facts, table, el('div', { class: 'controls' }, this.split, this.noSplit, this.rollback));
    this.dirty = false;
    this.slider.addEventListener('input', () => {
      this.dirty = true;
      this.describeSplit();
    });
    this.apply.addEventListener('click', () => actions.slider(this, Number(this.slider.value)));
    this.rollback.addEventListener('click', () => actions.rollback(this, this.rollback));
  }

  describeSplit() {
    if (!this.pair) return;
    const v = Number(this.slider.value);
    const text = `${this.pair[0]} ${v}%, ${this.pair[1]} ${100 - v}%`;
    this.output.textContent = text;
    this.slider.setAttribute('aria-valuetext', text);
  }

  /** Updates the card from the service, its revisions (newest first) and their stats. */
  update(service, revisions, stats) {
    this.service = service;
    this.revisions = revisions;
    const st = service.status || {};
    const r = ready(service);
    this.title.replaceChildren(this.name, ' ', el('span', { class: 'muted', text: `namespace ${this.ns}` }), ' ',
      el('span', { class: 'badge ' + r.cls, text: r.text }));
    const kind = service.spec && service.spec.template && service.spec.template.image ? 'container' : 'wasm';
    const url = st.url ? el('a', { href: st.url, text: st.url }) : '–';
    const readyRevs = revisions.filter(isReady).map((x) => x.metadata.name);
    this.facts.replaceChildren(
      el('dt', { text: 'URL' }), el('dd', {}, url),
      el('dt', { text: 'Kind' }), el('dd', { text: kind }),
      el('dt', { text: 'Ready revisions' }), el('dd', { text: readyRevs.join(', ') || 'none' }));
    const traffic = st.traffic || [];
    const seen = new Set();
    let index = 0;
    for (const rev of revisions) {
      const name = rev.metadata.name;
      seen.add(name);
      let row = this.rows.get(name);
      if (!row) {
        row = this.row(name);
        this.rows.set(name, row);
      }
      if (this.tbody.children[index] !== row.tr) {
        this.tbody.insertBefore(row.tr, this.tbody.children[index] || null); // newest first
      }
      index++;
      this.fill(row, rev, traffic.filter((t) => t.revisionName === name), stats.get(this.ns + '/' + name));
    }
    for (const [name, row] of this.rows) {
      if (!seen.has(name)) {
        row.tr.remove();
        this.rows.delete(name);
      }
    }
    this.updateSplit(revisions, traffic);
  }

  row(name) {
    const cells = {};
    const tr = el('tr', { 'data-revision': name });
    const th = el('th', { scope: 'row', text: name });
    tr.append(th);
    for (const c of ['status', 'traffic', 'instances', 'rps', 'errors', 'latency', 'cold']) {
      cells[c] = el('td', { class: c === 'status' || c === 'traffic' ? c : 'num ' + c });
      tr.append(cells[c]);
    }
    const rpsPlot = createPlot(`Requests per second of ${name}`);
    const latPlot = createPlot(`p99 latency of ${name}`, 'latency');
    tr.append(el('td', {}, rpsPlot), el('td', {}, latPlot));
    return { tr, cells, rpsPlot, latPlot };
  }

  fill(row, rev, traffic, stat) {
    const r = ready(rev);
    row.cells.status.replaceChildren(el('span', { class: 'badge ' + r.cls, text: r.text }));
    const pct = traffic.reduce((a, t) => a + (t.percent || 0), 0);
    const tags = traffic.map((t) => t.tag).filter(Boolean);
    row.cells.traffic.textContent = `${pct}%` + (tags.length ? ` (tag ${tags.join(', ')})` : '');
    const s = rev.status || {};
    const desired = stat ? stat.desiredInstances : s.desiredInstances;
    const readyN = stat ? stat.readyInstances : s.readyInstances;
    row.cells.instances.textContent = `${readyN ?? 0} / ${desired ?? 0}`;
    const points = stat ? stat.points : [];
    const last = points.length ? points[points.length - 1] : null;
    row.cells.rps.textContent = last ? fmt(last[1]) : '0.0';
    row.cells.errors.textContent = last && last[1] > 0 ? fmt((100 * last[2]) / last[1]) + '%' : '0.0%';
    row.cells.latency.textContent = last && last[1] > 0 ? `${fmt(last[3], 2)} / ${fmt(last[4], 2)} / ${fmt(last[5], 2)}` : '–';
    row.cells.cold.textContent = stat && stat.coldStarts > 0 ? `${stat.coldStarts} (mean ${fmt(stat.coldStartMeanMs)} ms)` : '0';
    drawPlot(row.rpsPlot, points.map((p) => p[1]), HISTORY,
      `Requests per second of ${rev.metadata.name} over the last minute, now ${last ? fmt(last[1]) : 0}`);
    drawPlot(row.latPlot, points.map((p) => p[5]), HISTORY,
      `p99 latency of ${rev.metadata.name} over the last minute, now ${last ? fmt(last[5], 2) : 0} ms`);
  }

  updateSplit(revisions, traffic) {
    const ready = revisions.filter(isReady);
    if (ready.length < 2) {
      this.pair = null;
      this.split.hidden = true;
      this.noSplit.hidden = false;
      return;
    }
    this.split.hidden = false;
    this.noSplit.hidden = true;
    const pair = [ready[0].metadata.name, ready[1].metadata.name];
    const changed = !this.pair || this.pair[0] !== pair[0] || this.pair[1] !== pair[1];
    this.pair = pair;
    this.sliderLabel.textContent = `Share of traffic to ${pair[0]} (the rest to ${pair[1]})`;
    // Never move the slider under the person's hand: only when untouched and not focused.
    if (changed || (!this.dirty && document.activeElement !== this.slider)) {
      const now = traffic.filter((t) => t.revisionName === pair[0]).reduce((a, t) => a + (t.percent || 0), 0);
      this.slider.value = String(now);
      this.dirty = false;
    }
    this.describeSplit();
  }
}
