// The Clacks admin page: one module, no dependencies, served by the node's gateway.
//
// Everything goes through the endpoints every client uses: JSON-RPC on POST /rpc (always with
// Content-Type: application/json, which with the gateway's Origin check keeps other sites from
// sending calls) and the Server-Sent-Events stream GET /events, read with fetch so the same
// Authorization header goes with it. The page can therefore do exactly what its user may do: a
// call the node refuses (-32003 forbidden) is shown as refused where it was made.

const EVENTS_NS = 'http://www.gonicus.de/Events';
const SVG_NS = 'http://www.w3.org/2000/svg';
const REFRESH_MS = 2000;
const MAX_EVENTS = 200;
const MAX_POINTS = 30;
// Events that change what the domain view shows, plus the statistics behind the charts.
const SYSTEM_EVENTS = ['NodeStatistics', 'ActorStarted', 'ActorRestarted', 'ActorStopped',
  'IntensityExceeded', 'NodePlugins', 'NodeAnnounce', 'NodeLeave'];

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

const state = {
  auth: sessionStorage.getItem('clacks.auth'),
  user: sessionStorage.getItem('clacks.user'),
  seq: 0,
  nodes: [],
  trees: new Map(), // node name -> {section, items: Map(path -> li)}
  outcomes: new Map(), // "node|path" -> {text, kind}
  refreshing: null,
  refreshAgain: false,
  methods: [],
  series: new Map(), // method -> [{t, calls, errors, p50, p95, p99}]
  eventStream: null,
  systemStream: null,
  firstView: false,
};

function status(text, error = false) {
  const footer = $('#status');
  footer.textContent = text;
  footer.classList.toggle('error', error);
}

// ---- JSON-RPC ----------------------------------------------------------------------------

class RpcError extends Error {
  constructor(error, httpStatus) {
    super(error.message || `HTTP ${httpStatus}`);
    this.code = error.code;
    this.data = error.data || {};
    this.httpStatus = httpStatus;
  }

  get refused() {
    return this.code === -32003 || this.httpStatus === 401 || this.httpStatus === 403;
  }
}

function headers(extra = {}) {
  const h = { ...extra };
  if (state.auth) h.Authorization = state.auth;
  return h;
}

async function rpc(method, params, node) {
  const request = { jsonrpc: '2.0', id: ++state.seq, method };
  if (params !== undefined) request.params = params;
  if (node) request.node = node;
  let response;
  try {
    response = await fetch('/rpc', {
      method: 'POST',
      headers: headers({ 'Content-Type': 'application/json' }),
      body: JSON.stringify(request),
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new RpcError({ code: -32002, message: `the node cannot be reached: ${e.message}` }, 0);
  }
  const answer = await response.json().catch(() => null);
  if (response.status === 401) loginNeeded(answer);
  if (!answer || typeof answer !== 'object') {
    throw new RpcError({ message: `HTTP ${response.status} without a JSON-RPC answer` }, response.status);
  }
  if (answer.error) throw new RpcError(answer.error, response.status);
  return answer.result;
}

// ---- login -------------------------------------------------------------------------------

function base64(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function showIdentity() {
  $('#login').classList.toggle('authenticated', Boolean(state.auth));
  $('#logout').hidden = !state.auth;
  $('#who').textContent = state.auth ? `logged in as ${state.user}` : '';
}

function loginNeeded(answer) {
  const message = answer && answer.error ? answer.error.message : 'log in to continue';
  $('#login-status').textContent = message;
  status(`not allowed without login: ${message}`, true);
}

async function login(event) {
  event.preventDefault();
  const user = $('#login-user').value.trim();
  const password = $('#login-password').value;
  if (!user) return;
  let auth = null;
  // Bearer tokens from POST /login when the node offers them; HTTP Basic otherwise.
  const response = await fetch('/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, password }),
    credentials: 'same-origin',
  }).catch(() => null);
  if (response && response.ok) {
    const answer = await response.json().catch(() => ({}));
    if (answer.token) auth = `Bearer ${answer.token}`;
  } else if (response && (response.status === 404 || response.status === 405)) {
    auth = `Basic ${base64(`${user}:${password}`)}`;
  } else {
    const answer = response ? await response.json().catch(() => null) : null;
    const why = answer && answer.error ? (answer.error.message || answer.error) : `HTTP ${response ? response.status : 'unreachable'}`;
    $('#login-status').textContent = `login refused: ${why}`;
    return;
  }
  state.auth = auth;
  state.user = user;
  sessionStorage.setItem('clacks.auth', auth);
  sessionStorage.setItem('clacks.user', user);
  $('#login-password').value = '';
  $('#login-status').textContent = '';
  showIdentity();
  restartStreams();
  refreshDomain();
  loadCommands();
}

function logout() {
  state.auth = null;
  state.user = null;
  sessionStorage.removeItem('clacks.auth');
  sessionStorage.removeItem('clacks.user');
  showIdentity();
  restartStreams();
  refreshDomain();
}

// ---- views -------------------------------------------------------------------------------

function showView(name) {
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== `view-${name}`;
  for (const button of document.querySelectorAll('nav button')) {
    button.classList.toggle('current', button.dataset.view === name);
  }
  if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
  if (name === 'charts') refreshTotals();
}

// ---- domain: nodes and actor trees -------------------------------------------------------

function ago(ms) {
  if (!ms) return '—';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 2 ? 'now' : `${s} s ago`;
}

function duration(ms) {
  if (ms === null || ms === undefined) return '';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `up ${s} s`;
  if (s < 3600) return `up ${Math.floor(s / 60)} min`;
  return `up ${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function nodeStatus(node) {
  const failed = Object.entries(node.plugins || {}).filter(([, s]) => s !== 'running');
  if (failed.length) return ['degraded', failed.map(([p, s]) => `${p} ${s}`).join(', ')];
  return ['ok', 'every plugin runs'];
}

function renderNodes(nodes, loads) {
  const body = $('#nodes tbody');
  body.replaceChildren(...nodes.map((node, i) => {
    const [kind, detail] = nodeStatus(node);
    const load = loads[i];
    const loadText = load && load.load
      ? [load.load.one, load.load.five, load.load.fifteen].map((v) => Number(v).toFixed(2)).join(' / ')
      : '—';
    const memory = load && load.memory && load.memory.total
      ? `${Math.round((100 * load.memory.used) / load.memory.total)} % of ${Math.round(load.memory.total / 1048576)} MiB`
      : '—';
    const plugins = Object.entries(node.plugins || {}).map(([name, s]) =>
      el('span', { class: `plugin ${s === 'running' ? 'running' : 'failed'}`, title: s }, s === 'running' ? name : `${name} (${s})`));
    return el('tr', { 'data-node': node.name },
      el('td', { class: 'node-name' }, node.name),
      el('td', { class: `node-status status-${kind}`, title: detail }, kind),
      el('td', { class: 'node-load' }, loadText),
      el('td', { class: 'node-memory' }, memory),
      el('td', {}, plugins),
      el('td', {}, ago(node.last_seen_ms)));
  }));
}

function treeOf(node) {
  let tree = state.trees.get(node);
  if (!tree) {
    const list = el('ul');
    const section = el('section', { class: 'tree', 'data-node': node }, el('h3', {}, node), list);
    tree = { section, list, items: new Map() };
    state.trees.set(node, tree);
    $('#trees').append(section);
  }
  return tree;
}

function outcomeKey(node, path) {
  return `${node}|${path}`;
}

function actorItem(node, tree, actor) {
  let li = tree.items.get(actor.path);
  if (li) return li;
  const name = actor.path.split('/').pop();
  const buttons = actor.path === 'node' ? [] : [
    el('button', { type: 'button', class: 'restart', onclick: () => control(node, actor.path, 'restart', li) }, 'restart'),
    el('button', { type: 'button', class: 'stop', onclick: () => control(node, actor.path, 'stop', li) }, 'stop'),
  ];
  li = el('li', { class: 'actor', 'data-path': actor.path },
    el('div', { class: 'actor-row' },
      el('span', { class: 'name', title: actor.path }, name),
      el('span', { class: 'kind' }),
      el('span', { class: 'state' }),
      el('span', { class: 'restarts' }),
      el('span', { class: 'mailbox' }),
      el('span', { class: 'uptime' }),
      buttons,
      el('span', { class: 'outcome' })),
    el('div', { class: 'last-error' }),
    el('ul'));
  const parentPath = actor.path.includes('/') ? actor.path.slice(0, actor.path.lastIndexOf('/')) : null;
  const parent = parentPath && tree.items.get(parentPath);
  (parent ? parent.lastElementChild : tree.list).append(li);
  tree.items.set(actor.path, li);
  return li;
}

function updateActor(node, li, actor) {
  const row = li.firstElementChild;
  li.className = `actor state-${actor.state}${actor.total_restarts > 0 ? ' restarted' : ''}`;
  li.dataset.state = actor.state;
  li.dataset.restarts = String(actor.total_restarts);
  $('.kind', row).textContent = actor.kind;
  $('.state', row).textContent = actor.state;
  const restarts = $('.restarts', row);
  restarts.textContent = `↻ ${actor.total_restarts}`;
  restarts.title = `${actor.total_restarts} restarts since the node started, ${actor.restarts} in the last ${Math.round(actor.window_ms / 1000)} s`;
  $('.mailbox', row).textContent = actor.mailbox === null || actor.mailbox === undefined ? '' : `mailbox ${actor.mailbox}`;
  $('.uptime', row).textContent = duration(actor.uptime_ms);
  li.children[1].textContent = actor.last_error ? `last error: ${actor.last_error}` : '';
  const outcome = state.outcomes.get(outcomeKey(node, actor.path));
  const span = $('.outcome', row);
  span.textContent = outcome ? outcome.text : '';
  span.className = `outcome${outcome ? ` ${outcome.kind}` : ''}`;
}

function renderTree(node, actors) {
  const tree = treeOf(node);
  const sorted = [...actors].sort((a, b) => a.path.localeCompare(b.path));
  const seen = new Set();
  for (const actor of sorted) {
    seen.add(actor.path);
    updateActor(node, actorItem(node, tree, actor), actor);
  }
  for (const [path, li] of tree.items) {
    if (!seen.has(path)) {
      li.remove();
      tree.items.delete(path);
    }
  }
}

function renderTreeFailure(node, error) {
  const tree = treeOf(node);
  tree.section.dataset.error = error.message;
  tree.section.querySelector('h3').textContent = `${node} — ${error.message}`;
}

async function refreshDomainOnce() {
  const [nodes, tree] = await Promise.all([rpc('core.nodes'), rpc('core.actor_tree')]);
  state.nodes = nodes;
  const loads = await Promise.all(nodes.map((n) => (n.plugins && n.plugins.host === 'running'
    ? rpc('host.load', [], n.name).catch(() => null)
    : Promise.resolve(null))));
  renderNodes(nodes, loads);
  for (const [node, actors] of Object.entries(tree.results || {})) renderTree(node, actors);
  for (const [node, error] of Object.entries(tree.failed || {})) renderTreeFailure(node, error);
  for (const node of [...state.trees.keys()]) {
    if (!nodes.some((n) => n.name === node)) {
      state.trees.get(node).section.remove();
      state.trees.delete(node);
    }
  }
  updateNodeChoices(nodes);
  if (nodes[0]) $('#domain-name').textContent = nodes[0].domain;
  if (!state.firstView) {
    state.firstView = true;
    performance.mark('clacks-first-view');
    document.body.dataset.firstView = 'shown';
  }
  status(`updated ${new Date().toLocaleTimeString()}`);
}

// One refresh at a time; a request for another while one runs makes one more afterwards.
async function refreshDomain() {
  if (state.refreshing) {
    state.refreshAgain = true;
    return state.refreshing;
  }
  state.refreshing = (async () => {
    do {
      state.refreshAgain = false;
      try {
        await refreshDomainOnce();
      } catch (e) {
        status(`domain view: ${e.message}`, true);
      }
    } while (state.refreshAgain);
    state.refreshing = null;
  })();
  return state.refreshing;
}

const CONFIRM_MS = 4000;

async function control(node, path, verb, li) {
  const button = $(`.actor-row > button.${verb}`, li);
  // Stopping needs a second click within a few seconds: a stopped actor stays stopped.
  if (verb === 'stop' && !button.dataset.armed) {
    button.dataset.armed = '1';
    button.textContent = 'really stop?';
    setTimeout(() => { delete button.dataset.armed; button.textContent = 'stop'; }, CONFIRM_MS);
    return;
  }
  delete button.dataset.armed;
  button.textContent = verb;
  button.disabled = true;
  let outcome;
  try {
    await rpc(`core.${verb}`, { path }, node);
    outcome = { text: `${verb} requested`, kind: 'ok' };
    button.classList.remove('refused');
  } catch (e) {
    if (e.refused) {
      outcome = { text: `${verb} refused: ${e.message}`, kind: 'refused' };
      button.classList.add('refused');
      button.title = e.message;
    } else {
      outcome = { text: `${verb} failed: ${e.message}`, kind: 'error' };
    }
  } finally {
    button.disabled = false;
  }
  state.outcomes.set(outcomeKey(node, path), outcome);
  const span = $('.outcome', li);
  span.textContent = outcome.text;
  span.className = `outcome ${outcome.kind}`;
  refreshDomain();
}

// ---- commands ----------------------------------------------------------------------------

function signature(method) {
  const params = (method.params || []).map((p) => `${p.name}${p.required ? '' : '?'}: ${p['x-rust-type'] || (p.schema && p.schema.type) || 'any'}`);
  return `${method.name}(${params.join(', ')})`;
}

function renderCommands(methods) {
  const sorted = [...methods].sort((a, b) => a.name.localeCompare(b.name));
  $('#commands').replaceChildren(...sorted.map((m) => el('details', { class: 'command', 'data-method': m.name },
    el('summary', {}, el('span', { class: 'signature' }, signature(m)), ' — ', m.summary || ''),
    el('pre', { class: 'doc' }, m.description || ''),
    el('div', { class: 'meta' },
      `${m['x-call-type'] || 'normal'} · timeout ${m['x-timeout-ms'] ? `${m['x-timeout-ms'] / 1000} s` : 'default'} · right ${m['x-right'] || 'x'} `,
      el('button', { type: 'button', onclick: () => chooseMethod(m.name) }, 'fill in the form')))));
  const select = $('#call-method');
  const chosen = select.value;
  select.replaceChildren(...sorted.map((m) => el('option', { value: m.name }, m.name)));
  if (chosen && sorted.some((m) => m.name === chosen)) select.value = chosen;
  renderParams();
}

function chooseMethod(name) {
  $('#call-method').value = name;
  renderParams();
  $('#call-form').scrollIntoView();
}

function renderParams() {
  const method = state.methods.find((m) => m.name === $('#call-method').value);
  const inputs = (method ? method.params || [] : []).map((p) => {
    const schema = p.schema || {};
    const hint = 'default' in schema ? `default ${JSON.stringify(schema.default)}` : (p.required ? 'required' : 'optional');
    return el('label', {}, `${p.name}: ${p['x-rust-type'] || schema.type || 'any'}`,
      el('input', { 'data-param': p.name, 'data-required': p.required ? '1' : null, placeholder: hint, size: 28 }));
  });
  $('#call-params').replaceChildren(...inputs);
}

function updateNodeChoices(nodes) {
  const select = $('#call-node');
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '' }, 'any (the domain routes it)'),
    ...nodes.map((n) => el('option', { value: n.name }, n.name)));
  select.value = nodes.some((n) => n.name === chosen) ? chosen : '';
}

// A field holds JSON (42, "text", [1], {"a": 1}) or, when it does not parse, plain text.
function paramValue(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function callCommand(event) {
  event.preventDefault();
  const method = $('#call-method').value;
  const params = {};
  for (const input of document.querySelectorAll('#call-params input')) {
    if (input.value.trim() !== '') params[input.dataset.param] = paramValue(input.value.trim());
  }
  const out = $('#call-result');
  out.className = 'pending';
  out.textContent = `calling ${method}…`;
  try {
    const result = await rpc(method, params, $('#call-node').value || undefined);
    out.className = 'ok';
    out.textContent = JSON.stringify(result, null, 2);
  } catch (e) {
    out.className = e.refused ? 'error refused' : 'error';
    out.textContent = `${e.refused ? 'refused' : 'error'} ${e.code ?? ''}: ${e.message}\n${JSON.stringify(e.data, null, 2)}`;
  }
}

async function loadCommands() {
  try {
    const described = await rpc('core.describe');
    state.methods = described.methods || [];
    renderCommands(state.methods);
  } catch (e) {
    $('#commands').textContent = `commands unavailable: ${e.message}`;
  }
}

// ---- event streams -----------------------------------------------------------------------

// Reads GET /events with fetch (so the Authorization header goes along) and calls onEvent with
// {name, origin, xml} per message; onOpen when the node confirmed the subscription.
function openStream(query, { onOpen, onEvent, onError }) {
  const controller = new AbortController();
  (async () => {
    let response;
    try {
      response = await fetch(`/events?${query}`, { headers: headers(), signal: controller.signal, credentials: 'same-origin' });
    } catch (e) {
      if (!controller.signal.aborted) onError(`the node cannot be reached: ${e.message}`);
      return;
    }
    if (!response.ok) {
      const answer = await response.json().catch(() => null);
      const error = answer && answer.error ? answer.error : {};
      onError(`${error.code === -32003 || response.status === 401 || response.status === 403 ? 'refused' : 'refused by the node'} (HTTP ${response.status}): ${error.message || response.statusText}`);
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message = { name: '', origin: '', data: [] };
          for (const line of frame.split('\n')) {
            if (line.startsWith(': subscribed')) onOpen();
            else if (line.startsWith('event: ')) message.name = line.slice(7);
            else if (line.startsWith('origin: ')) message.origin = line.slice(8);
            else if (line.startsWith('data: ')) message.data.push(line.slice(6));
          }
          if (message.name) onEvent({ name: message.name, origin: message.origin, xml: message.data.join('\n') });
        }
      }
      if (!controller.signal.aborted) onError('the node ended the stream');
    } catch (e) {
      if (!controller.signal.aborted) onError(`stream lost: ${e.message}`);
    }
  })();
  return controller;
}

function eventQuery() {
  const query = new URLSearchParams();
  const filter = $('#event-filter').value.trim();
  const names = $('#event-names').value.trim();
  if (filter) query.append('filter', filter);
  if (names) query.append('name', names);
  for (const binding of $('#event-ns').value.split(/[\s,]+/).filter(Boolean)) query.append('ns', binding);
  return query.toString();
}

function eventStatus(text, error = false) {
  const line = $('#event-status');
  line.textContent = text;
  line.classList.toggle('error', error);
  line.dataset.state = error ? 'error' : text.startsWith('listening') ? 'listening' : 'idle';
}

function listen(event) {
  if (event) event.preventDefault();
  stopListening();
  const query = eventQuery();
  eventStatus('subscribing…');
  state.eventStream = openStream(query, {
    onOpen: () => eventStatus(`listening${query ? ` (${decodeURIComponent(query)})` : ' to every event'}`),
    onEvent: (e) => {
      const list = $('#event-list');
      list.prepend(el('li', { class: 'event', 'data-name': e.name },
        el('header', {}, el('time', {}, new Date().toLocaleTimeString()),
          el('span', { class: 'event-name' }, e.name), el('span', { class: 'event-origin' }, `from ${e.origin}`)),
        el('pre', {}, e.xml)));
      while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
    },
    onError: (message) => eventStatus(message, true),
  });
}

function stopListening() {
  if (state.eventStream) state.eventStream.abort();
  state.eventStream = null;
  eventStatus('not listening');
}

function restartStreams() {
  if (state.eventStream) listen();
  if (state.systemStream) state.systemStream.abort();
  state.systemStream = openStream(`name=${SYSTEM_EVENTS.join(',')}`, {
    onOpen: () => { $('#charts-status').textContent = 'waiting for NodeStatistics events…'; },
    onEvent: systemEvent,
    onError: (message) => { $('#charts-status').textContent = `statistics: ${message}`; },
  });
}

let refreshSoon = null;

function systemEvent(e) {
  if (e.name === 'NodeStatistics') {
    addStatistics(e.xml);
    return;
  }
  // A supervision or membership change: refresh the domain view shortly (several come at once).
  clearTimeout(refreshSoon);
  refreshSoon = setTimeout(refreshDomain, 150);
}

// ---- charts ------------------------------------------------------------------------------

function childText(parent, name) {
  const child = parent.getElementsByTagNameNS(EVENTS_NS, name)[0];
  return child ? child.textContent : '';
}

function addStatistics(xml) {
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const stats = doc.getElementsByTagNameNS(EVENTS_NS, 'NodeStatistics')[0];
  if (!stats) return;
  const node = childText(stats, 'Node');
  const t = Date.parse(childText(stats, 'Start')) + Number(childText(stats, 'IntervalMs'));
  for (const command of stats.getElementsByTagNameNS(EVENTS_NS, 'Command')) {
    const method = childText(command, 'Name');
    const series = state.series.get(method) || [];
    series.push({
      t, node,
      calls: Number(childText(command, 'Count')),
      errors: Number(childText(command, 'Errors')),
      p50: Number(childText(command, 'LatencyP50')),
      p95: Number(childText(command, 'LatencyP95')),
      p99: Number(childText(command, 'LatencyP99')),
    });
    if (series.length > MAX_POINTS) series.shift();
    state.series.set(method, series);
  }
  $('#charts-status').textContent = `last NodeStatistics from ${node} at ${new Date(t).toLocaleTimeString()}`;
  renderCharts();
}

// One chart per command: bars of calls (errors in red over them) per interval, and a line of
// the p95 latency on its own scale.
function chart(method, points) {
  const W = 330, H = 120, left = 34, right = 54, top = 8, bottom = 18;
  const plotW = W - left - right, plotH = H - top - bottom;
  const maxCalls = Math.max(1, ...points.map((p) => p.calls));
  const maxLatency = Math.max(0.001, ...points.map((p) => p.p95));
  const step = plotW / MAX_POINTS;
  const box = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `calls, errors and p95 latency of ${method}` });
  box.append(svg('line', { class: 'axis', x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH }));
  const y = (v, max) => top + plotH - (v / max) * plotH;
  const line = [];
  points.forEach((p, i) => {
    const x = left + i * step;
    const bar = svg('rect', { class: 'calls', x: x + 1, width: Math.max(1, step - 2), y: y(p.calls, maxCalls), height: (p.calls / maxCalls) * plotH });
    const title = svg('title', {});
    title.textContent = `${p.node}: ${p.calls} calls, ${p.errors} errors, p50 ${p.p50} ms, p95 ${p.p95} ms, p99 ${p.p99} ms`;
    bar.append(title);
    box.append(bar);
    if (p.errors > 0) {
      box.append(svg('rect', { class: 'errors', x: x + 1, width: Math.max(1, step - 2), y: y(p.errors, maxCalls), height: (p.errors / maxCalls) * plotH }));
    }
    line.push(`${x + step / 2},${y(p.p95, maxLatency)}`);
  });
  box.append(svg('polyline', { class: 'latency', points: line.join(' ') }));
  const label = (x, yPos, text, anchor) => {
    const t = svg('text', { x, y: yPos, 'text-anchor': anchor });
    t.textContent = text;
    box.append(t);
  };
  label(left - 3, top + 8, String(maxCalls), 'end');
  label(left - 3, top + plotH, '0', 'end');
  label(left + plotW + 3, top + 8, `${maxLatency.toFixed(maxLatency < 10 ? 2 : 0)} ms`, 'start');
  label(left, H - 4, 'older', 'start');
  label(left + plotW, H - 4, 'newer', 'end');
  const last = points[points.length - 1];
  return el('div', { class: 'chart', 'data-method': method },
    el('h3', {}, method),
    box,
    el('div', { class: 'legend' },
      el('span', { class: 'calls' }, `■ calls (last ${last.calls})`), ' ',
      el('span', { class: 'errors' }, `■ errors (${last.errors})`), ' ',
      el('span', { class: 'latency' }, `— p95 latency (${last.p95} ms)`)));
}

function renderCharts() {
  const methods = [...state.series.keys()].sort();
  $('#charts').replaceChildren(...methods.map((m) => chart(m, state.series.get(m))));
}

// Cumulative totals of this node, read from the Prometheus text of /metrics.
async function refreshTotals() {
  const response = await fetch('/metrics', { headers: headers(), credentials: 'same-origin' }).catch(() => null);
  if (!response || !response.ok) return;
  const text = await response.text();
  const totals = new Map();
  const sample = /^clacks_command_(calls|errors)_total\{[^}]*method="([^"]*)"[^}]*\} (\d+)/;
  for (const line of text.split('\n')) {
    const m = sample.exec(line);
    if (!m) continue;
    const row = totals.get(m[2]) || { calls: 0, errors: 0 };
    row[m[1]] = Number(m[3]);
    totals.set(m[2], row);
  }
  $('#totals tbody').replaceChildren(...[...totals].filter(([, r]) => r.calls > 0).map(([method, r]) =>
    el('tr', { 'data-method': method }, el('td', {}, method), el('td', {}, r.calls), el('td', { class: r.errors ? 'status-degraded' : '' }, r.errors))));
}

// ---- start -------------------------------------------------------------------------------

function start() {
  for (const button of document.querySelectorAll('nav button')) {
    button.addEventListener('click', () => showView(button.dataset.view));
  }
  $('#login').addEventListener('submit', login);
  $('#logout').addEventListener('click', logout);
  $('#call-form').addEventListener('submit', callCommand);
  $('#call-method').addEventListener('change', renderParams);
  $('#event-form').addEventListener('submit', listen);
  $('#event-stop').addEventListener('click', stopListening);
  showIdentity();
  eventStatus('not listening');
  const initial = location.hash.slice(1);
  showView(['domain', 'commands', 'events', 'charts'].includes(initial) ? initial : 'domain');
  refreshDomain();
  loadCommands();
  restartStreams();
  setInterval(() => {
    if (!document.hidden && !$('#view-domain').hidden) refreshDomain();
  }, REFRESH_MS);
}

start();
