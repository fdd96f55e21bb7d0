// A small SVG line plot: no library, no canvas, scales to its own maximum.
const NS = 'http://www.w3.org/2000/svg';

export function createPlot(label, cls) {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('class', 'plot');
  svg.setAttribute('viewBox', '0 0 160 36');
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const axis = document.createElementNS(NS, 'line');
  axis.setAttribute('class', 'axis');
  axis.setAttribute('x1', '0');
  axis.setAttribute('x2', '160');
  axis.setAttribute('y1', '35');
  axis.setAttribute('y2', '35');
  const line = document.createElementNS(NS, 'polyline');
  line.setAttribute('class', 'line ' + (cls || ''));
  svg.append(axis, line);
  return svg;
}

/** Draws values (oldest first) over a window of `width` points; the label says the last value. */
export function drawPlot(svg, values, width, label) {
  const line = svg.querySelector('polyline');
  const max = Math.max(1e-9, ...values);
  const step = 160 / Math.max(1, width - 1);
  const offset = width - values.length;
  const pts = values.map((v, i) => `${((offset + i) * step).toFixed(1)},${(34 - (v / max) * 32).toFixed(1)}`);
  line.setAttribute('points', pts.join(' '));
  svg.setAttribute('aria-label', label);
}
