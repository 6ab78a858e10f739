// The Coffer dashboard: plain JavaScript over the same /api/v1 as the CLI. No library, nothing
// loaded from elsewhere. Every value from the server goes into the page as text (never as HTML).
'use strict';

const API = '/api/v1';
const TOKEN_KEY = 'coffer.token';
const main = document.getElementById('main');
const flashBox = document.getElementById('flash');
const dialog = document.getElementById('dialog');
const statusLine = document.getElementById('status');
let lastRender = { key: null, data: null };
let refreshTimer = null;

// ---- the API ----

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers['Authorization'] = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'the Coffer server cannot be reached (' + e.message + ')');
  }
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { /* not JSON */ }
  if (!res.ok) {
    const msg = json && json.error && json.error.message ? json.error.message : (method + ' ' + path + ': HTTP ' + res.status);
    throw new ApiError(res.status, msg);
  }
  return json;
}

// ---- building the page (text only) ----

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'width%') el.style.width = v + '%';
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? n + ' B' : v.toFixed(v < 10 ? 2 : 1) + ' ' + units[u];
}

function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  const s = Math.round((Date.now() - d.getTime()) / 1000);
  const abs = Math.abs(s);
  const rel = abs < 60 ? abs + ' s' : abs < 3600 ? Math.round(abs / 60) + ' min' : abs < 172800 ? Math.round(abs / 3600) + ' h' : Math.round(abs / 86400) + ' d';
  return h('time', { datetime: iso, title: d.toISOString() }, s >= 0 ? rel + ' ago' : 'in ' + rel);
}

function seconds(n) {
  if (n === null || n === undefined) return '—';
  if (n < 60) return n + ' s';
  if (n < 3600) return Math.floor(n / 60) + ' min ' + (n % 60) + ' s';
  return Math.floor(n / 3600) + ' h ' + Math.floor((n % 3600) / 60) + ' min';
}

const badge = (s) => h('span', { class: 'badge ' + s }, s);
const link = (href, text) => h('a', { href }, text);
const short = (id) => id ? id.slice(0, 8) : '—';

function table(columns, rows, empty) {
  if (!rows.length) return h('p', { class: 'muted' }, empty);
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col', class: c.cls }, c.title)))),
    h('tbody', {}, rows.map(r => h('tr', { 'data-id': r.id }, columns.map(c => h('td', { class: c.cls }, c.cell(r))))))));
}

function fields(pairs) {
  return h('dl', { class: 'fields' }, pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v === null || v === undefined || v === '' ? '—' : v)]));
}

function progressBar(p, label) {
  const pct = p && p.percent !== undefined ? p.percent : 0;
  return h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, 'aria-label': label },
    h('span', { 'width%': pct }));
}

function progressText(p) {
  if (!p) return '';
  const parts = [bytes(p.bytes_done) + ' of ' + bytes(p.bytes_total), p.percent + '%'];
  if (p.files_total) parts.push(p.files_done + ' of ' + p.files_total + ' files');
  if (p.bytes_per_second) parts.push(bytes(p.bytes_per_second) + '/s');
  if (p.eta_seconds !== null && p.eta_seconds !== undefined) parts.push('ETA ' + seconds(p.eta_seconds));
  return parts.join(' · ');
}

// ---- messages and dialogs ----

function flash(message, kind) {
  flashBox.replaceChildren(h('div', { class: 'msg' + (kind === 'info' ? ' info' : '') },
    h('span', {}, message), h('button', { class: 'secondary', type: 'button', onclick: () => flashBox.replaceChildren() }, 'Dismiss')));
}

/** A modal form: fields built by `build`, `submit(form)` run on OK; its error stays in the dialog. */
function openForm(title, build, okLabel, submit, danger) {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const ok = h('button', { type: 'submit', class: danger ? 'danger' : null }, okLabel);
  const form = h('form', { novalidate: true },
    h('h2', { id: 'dialog-title' }, title), build(), error,
    h('div', { class: 'actions' }, ok, h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    ok.disabled = true;
    error.textContent = '';
    try {
      await submit(form);
      dialog.close();
      refresh(true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) { dialog.close(); askToken(err.message); return; }
      error.textContent = err.message;
    } finally {
      ok.disabled = false;
    }
  });
  dialog.replaceChildren(form);
  dialog.showModal();
  const first = form.querySelector('input, select');
  (first || ok).focus();
}

function field(label, input) {
  const id = 'f-' + Math.random().toString(36).slice(2, 9);
  input.id = id;
  return h('div', { class: 'field' + (input.type === 'checkbox' || input.type === 'radio' ? ' check' : '') },
    input.type === 'checkbox' || input.type === 'radio' ? [input, h('label', { for: id }, label)] : [h('label', { for: id }, label), input]);
}

function askToken(message) {
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', required: true });
  openForm('API token', () => h('div', {},
    h('p', {}, message || 'This server requires an API token.'),
    h('p', { class: 'muted' }, 'It is kept in this tab only (session storage) and sent as a header, never in a URL.'),
    field('Token', input)), 'Sign in', async () => {
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    try {
      await api('GET', API + '/overview');
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      throw new Error(e.message); // shown in this form, which stays open
    }
  });
}

// ---- actions (the same API and rules as the CLI) ----

function snapshotAction(volume) {
  const name = h('input', { type: 'text', name: 'name', value: volume.name + '-' + stamp() });
  const consistency = h('select', { name: 'consistency' }, h('option', { value: 'crash' }, 'crash-consistent (freeze)'),
    h('option', { value: 'application' }, 'application-consistent (quiesce the database on it)'));
  openForm('Snapshot volume ' + volume.name, () => h('div', {}, field('Name', name), field('Consistency', consistency)), 'Take snapshot', async () => {
    const r = await api('POST', API + '/snapshots', { volume_id: volume.id, name: name.value, consistency: consistency.value });
    flash('Snapshot ' + r.snapshot.name + ' is being taken.', 'info');
  });
}

function backupAction(volume) {
  const name = h('input', { type: 'text', name: 'name', value: volume.name + '-' + stamp() });
  const incremental = h('input', { type: 'checkbox', name: 'incremental' });
  const force = h('input', { type: 'checkbox', name: 'force', checked: volume.status === 'in-use' });
  openForm('Back up volume ' + volume.name, () => h('div', {}, field('Name', name), field('Incremental (from the newest available backup)', incremental),
    field('Back up although the volume is attached (force)', force)), 'Start backup', async () => {
    const r = await api('POST', API + '/backups', { volume_id: volume.id, name: name.value, incremental: incremental.checked, force: force.checked });
    flash('Backup ' + r.backup.name + ' started.', 'info');
    location.hash = '#/backups/' + r.backup.id;
  });
}

async function restoreAction(backup) {
  const volumes = (await api('GET', API + '/volumes')).volumes.filter(v => v.status === 'available' || v.status === 'error');
  const toNew = h('input', { type: 'radio', name: 'target', value: 'new', checked: true });
  const toExisting = h('input', { type: 'radio', name: 'target', value: 'existing', disabled: !volumes.length });
  const name = h('input', { type: 'text', name: 'name', value: backup.volume_name + '-restored-' + stamp() });
  const existing = h('select', { name: 'volume' }, volumes.map(v => h('option', { value: v.id }, v.name + ' (' + v.status + ', ' + bytes(v.size_bytes) + ')')));
  openForm('Restore backup ' + backup.name, () => h('fieldset', {}, h('legend', {}, 'Into'),
    field('A new volume', toNew), field('Name of the new volume', name),
    field('An existing volume (its contents are replaced)', toExisting), field('Existing volume', existing)), 'Restore', async () => {
    const body = toExisting.checked ? { volume_id: existing.value } : { name: name.value };
    const r = await api('POST', API + '/backups/' + backup.id + '/restore', body);
    flash('Restoring into volume ' + r.restore.volume_name + ' (job ' + short(r.restore.job_id) + ').', 'info');
    location.hash = '#/jobs';
  });
}

function verifyAction(backup) {
  openForm('Verify backup ' + backup.name, () => h('p', {}, 'Restores the backup to scratch space, starts the database it holds and runs its checks.'),
    'Verify', async () => {
      const r = await api('POST', API + '/backups/' + backup.id + '/verify', {});
      flash('Verification started (job ' + short(r.job.id) + ').', 'info');
    });
}

function deleteBackupAction(backup) {
  const cascade = h('input', { type: 'checkbox', name: 'cascade' });
  openForm('Delete backup ' + backup.name + '?', () => h('div', {},
    h('p', {}, 'The backup is removed from the catalog and its data from repository ' + backup.repository + ' (what no other backup shares). This cannot be undone.'),
    backup.has_dependent_backups ? field('Also delete the incremental backups built on it', cascade) : null),
  'Delete', async () => {
    await api('DELETE', API + '/backups/' + backup.id + (cascade.checked ? '?cascade=true' : ''));
    flash('Backup ' + backup.name + ' is being deleted.', 'info');
    if (location.hash.startsWith('#/backups/')) location.hash = '#/backups';
  }, true);
}

async function scheduleAction(schedule, what) {
  try {
    await api('POST', API + '/schedules/' + encodeURIComponent(schedule.name) + '/' + what, {});
    flash('Schedule ' + schedule.name + ': ' + (what === 'run' ? 'run started' : what + 'd') + '.', 'info');
    refresh(true);
  } catch (e) { failed(e); }
}

async function instanceBackupAction(instance) {
  openForm('Back up instance ' + instance.name, () => h('p', {}, 'An application-consistent backup of the database on volume ' + instance.volume_name + '.'),
    'Start backup', async () => {
      const r = await api('POST', API + '/instances/' + encodeURIComponent(instance.name) + '/backup', { consistency: 'application' });
      flash('Backup ' + r.backup.name + ' started.', 'info');
    });
}

function stamp() {
  return new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

function failed(e) {
  if (e instanceof ApiError && e.status === 401) askToken(e.message);
  else flash(e.message);
}

// ---- views: each loads its data, then draws it ----

const views = {
  async overview() {
    const [o, jobs] = await Promise.all([api('GET', API + '/overview'), api('GET', API + '/jobs')]);
    return { data: { o, jobs }, draw: () => drawOverview(o.overview, jobs.jobs) };
  },
  async volumes() {
    const [v, b] = await Promise.all([api('GET', API + '/volumes'), api('GET', API + '/backups')]);
    return { data: { v, b }, draw: () => drawVolumes(v.volumes, b.backups) };
  },
  async volume(id) {
    const [v, s, b] = await Promise.all([api('GET', API + '/volumes/' + id), api('GET', API + '/snapshots?volume_id=' + id), api('GET', API + '/backups?volume_id=' + id)]);
    return { data: { v, s, b }, draw: () => drawVolume(v.volume, s.snapshots, b.backups) };
  },
  async backups() {
    const b = await api('GET', API + '/backups');
    return { data: b, draw: () => drawBackups(b.backups) };
  },
  async backup(id) {
    const [one, all] = await Promise.all([api('GET', API + '/backups/' + id), api('GET', API + '/backups')]);
    return { data: { one, all }, draw: () => drawBackup(one.backup, all.backups) };
  },
  async instances() {
    const i = await api('GET', API + '/instances');
    return { data: i, draw: () => drawInstances(i.instances) };
  },
  async jobs() {
    const j = await api('GET', API + '/jobs');
    return { data: j, draw: () => drawJobs(j.jobs) };
  },
  async schedules() {
    const s = await api('GET', API + '/schedules');
    return { data: s, draw: () => drawSchedules(s.schedules) };
  },
  async usage() {
    const u = await api('GET', API + '/usage?days=365');
    return { data: u, draw: () => drawUsage(u.usage) };
  },
};

function drawOverview(o, jobs) {
  const running = jobs.filter(j => j.status === 'running' || j.status === 'queued');
  const c = o.counts;
  return [
    h('h1', {}, 'Overview'),
    h('section', { 'aria-labelledby': 'problems-h' }, h('h2', { id: 'problems-h' }, 'Needs attention'),
      o.problems.length ? h('ul', { class: 'problems', id: 'problems' }, o.problems.map(p => h('li', { class: 'problem ' + p.severity },
        h('div', { class: 'title' }, p.title), h('div', {}, p.detail),
        h('div', { class: 'muted' }, p.at ? when(p.at) : '', p.resource_type ? [' · ', problemLink(p)] : ''))))
        : h('div', { class: 'card ok-banner', id: 'problems' }, 'Nothing needs attention: no failed jobs, overdue schedules, failed verifications or full disks.')),
    h('section', { 'aria-labelledby': 'running-h' }, h('h2', { id: 'running-h' }, 'Running now'), jobsTable(running, 'No job is running.')),
    h('section', { 'aria-labelledby': 'counts-h' }, h('h2', { id: 'counts-h' }, 'At a glance'),
      h('div', { class: 'tiles' }, [['Volumes', c.volumes, '#/volumes'], ['Available backups', c.backups_available, '#/backups'], ['Failed backups', c.backups_failed, '#/backups'],
        ['Jobs running', c.jobs_running, '#/jobs'], ['Schedules', c.schedules, '#/schedules'], ['Instances', c.instances, '#/instances']]
        .map(([k, n, href]) => h('a', { class: 'tile', href }, h('div', { class: 'n' }, n), h('div', { class: 'muted' }, k))))),
    h('section', { 'aria-labelledby': 'disks-h' }, h('h2', { id: 'disks-h' }, 'Disks'),
      table([{ title: 'Disk', cell: d => d.name }, { title: 'Path', cls: 'opt', cell: d => d.path },
        { title: 'Used', cell: d => h('div', { class: 'progress meter', role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': used(d), 'aria-label': d.name + ' used' },
          h('span', { class: d.low ? 'low' : null, 'width%': used(d) })) },
        { title: 'Free', cls: 'num', cell: d => bytes(d.free_bytes) + ' of ' + bytes(d.size_bytes) }], o.disks, 'No disk could be measured.')),
    h('section', { 'aria-labelledby': 'repos-h' }, h('h2', { id: 'repos-h' }, 'Repositories'),
      table([{ title: 'Repository', cell: r => r.name }, { title: 'Backups', cls: 'num', cell: r => r.backups },
        { title: 'Logical', cls: 'num', cell: r => bytes(r.logical_bytes) }, { title: 'Stored', cls: 'num', cell: r => bytes(r.stored_bytes) },
        { title: 'Dedup', cls: 'num', cell: r => r.raw_bytes === null ? '—' : ratio(r.logical_bytes, r.raw_bytes) },
        { title: 'Compression', cls: 'num', cell: r => r.raw_bytes === null ? '—' : ratio(r.raw_bytes, r.stored_bytes) },
        { title: 'In all', cls: 'num', cell: r => ratio(r.logical_bytes, r.stored_bytes) }], o.repositories, 'No backup yet.')),
  ];
}

const used = (d) => d.size_bytes ? Math.round(100 * (d.size_bytes - d.free_bytes) / d.size_bytes) : 0;
const ratio = (logical, stored) => stored > 0 ? (logical / stored).toFixed(1) + '×' : '—';

/** Deduplication (logical/raw) and compression (raw/stored) apart when the raw bytes are known. */
function reduction(logical, raw, stored) {
  if (raw === null || raw === undefined) return ratio(logical, stored) + ' (deduplication and compression)';
  return 'deduplication ' + ratio(logical, raw) + ', compression ' + ratio(raw, stored) + ', ' + ratio(logical, stored) + ' in all';
}

function problemLink(p) {
  if (p.resource_type === 'backup') return link('#/backups/' + p.resource_id, 'backup ' + short(p.resource_id));
  if (p.resource_type === 'schedule') return link('#/schedules', 'schedule ' + p.resource_id);
  if (p.resource_type === 'job') return link('#/jobs', 'job ' + short(p.resource_id));
  return '';
}

function drawVolumes(volumes, backups) {
  const newest = {};
  for (const b of backups) if (!newest[b.volume_id] || b.created_at > newest[b.volume_id].created_at) newest[b.volume_id] = b;
  return [h('h1', {}, 'Volumes'), table([
    { title: 'Name', cell: v => link('#/volumes/' + v.id, v.name) },
    { title: 'Status', cell: v => badge(v.status) },
    { title: 'Size', cls: 'num', cell: v => bytes(v.size_bytes) },
    { title: 'Node', cls: 'opt', cell: v => v.node },
    { title: 'Attached to', cls: 'opt', cell: v => v.attached_to },
    { title: 'Last backup', cell: v => newest[v.id] ? [badge(newest[v.id].status), ' ', when(newest[v.id].created_at)] : h('span', { class: 'muted' }, 'never') },
    { title: 'Actions', cell: v => h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => backupAction(v), 'aria-label': 'Back up ' + v.name }, 'Back up'),
      h('button', { type: 'button', class: 'secondary', onclick: () => snapshotAction(v), 'aria-label': 'Snapshot ' + v.name }, 'Snapshot')) },
  ], volumes, 'No volume yet: create one with coffer volume create NAME --size 10GiB.')];
}

function drawVolume(v, snapshots, backups) {
  return [h('h1', {}, 'Volume ' + v.name),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => backupAction(v) }, 'Back up'),
      h('button', { type: 'button', class: 'secondary', onclick: () => snapshotAction(v) }, 'Snapshot')),
    h('div', { class: 'card' }, fields([['ID', v.id], ['Status', badge(v.status)], ['Size', bytes(v.size_bytes)], ['Driver', v.driver], ['Path', v.path],
      ['Node', v.node], ['Attached to', v.attached_to], ['Labels', Object.entries(v.labels || {}).map(([k, x]) => k + '=' + x).join(', ')],
      ['Failure', v.fail_reason], ['Created', when(v.created_at)]])),
    h('h2', {}, 'Snapshots'), table([{ title: 'Name', cell: s => s.name }, { title: 'Status', cell: s => badge(s.status) },
      { title: 'Method', cls: 'opt', cell: s => s.method }, { title: 'Consistency', cell: s => s.consistency },
      { title: 'Write pause', cls: 'num opt', cell: s => s.freeze_ms === null ? '—' : s.freeze_ms + ' ms' }, { title: 'Taken', cell: s => when(s.created_at) }],
    snapshots, 'No snapshot.'),
    h('h2', {}, 'Backups'), backupsTable(backups)];
}

function backupsTable(backups) {
  const sorted = [...backups].sort((a, b) => (b.created_at || '').localeCompare(a.created_at || ''));
  return table([
    { title: 'Name', cell: b => link('#/backups/' + b.id, b.name || short(b.id)) },
    { title: 'Volume', cls: 'opt', cell: b => link('#/volumes/' + b.volume_id, b.volume_name) },
    { title: 'Status', cell: b => [badge(b.status), b.progress ? [' ', progressBar(b.progress, 'backup ' + b.name)] : ''] },
    { title: 'Kind', cls: 'opt', cell: b => b.is_incremental ? 'incremental' : 'full' },
    { title: 'Logical', cls: 'num opt', cell: b => bytes(b.logical_bytes) },
    { title: 'Stored', cls: 'num opt', cell: b => bytes(b.stored_bytes) },
    { title: 'Created', cell: b => when(b.created_at) },
    { title: 'Expires', cls: 'opt', cell: b => b.expires_at ? when(b.expires_at) : 'never' },
  ], sorted, 'No backup yet.');
}

function drawBackups(backups) {
  return [h('h1', {}, 'Backups'), backupsTable(backups)];
}

function drawBackup(b, all) {
  const byId = Object.fromEntries(all.map(x => [x.id, x]));
  const parents = [];
  for (let p = b.parent_id; p && parents.length < 100; p = byId[p] ? byId[p].parent_id : null) parents.unshift(byId[p] || { id: p, name: null, status: 'deleted' });
  const dependents = all.filter(x => x.parent_id === b.id);
  const chainItem = (x, current) => h('li', { class: current ? 'current' : null }, current ? x.name : x.name ? link('#/backups/' + x.id, x.name) : short(x.id) + ' (deleted)',
    ' ', badge(x.status), ' ', x.is_incremental ? 'incremental' : 'full', x.created_at ? [' · ', when(x.created_at)] : '');
  const v = b.verification;
  return [h('h1', {}, 'Backup ' + (b.name || b.id)),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => restoreAction(b).catch(failed), disabled: b.status !== 'available' }, 'Restore'),
      b.database ? h('button', { type: 'button', class: 'secondary', onclick: () => verifyAction(b), disabled: b.status !== 'available' }, 'Verify') : null,
      h('button', { type: 'button', class: 'danger', onclick: () => deleteBackupAction(b) }, 'Delete')),
    b.progress ? h('div', { class: 'card' }, h('p', {}, 'Job ' + short(b.progress.job_id) + ': ' + progressText(b.progress)), progressBar(b.progress, 'backup ' + b.name)) : null,
    h('div', { class: 'card' }, fields([['ID', b.id], ['Name', b.name], ['Description', b.description], ['Status', badge(b.status)], ['Failure', b.fail_reason],
      ['Volume', link('#/volumes/' + b.volume_id, b.volume_name + ' (' + b.volume_id + ')')], ['Snapshot', b.snapshot_id], ['Size', b.size + ' GiB'],
      ['Incremental', b.is_incremental ? 'yes' : 'no'], ['Parent', b.parent_id ? link('#/backups/' + b.parent_id, (byId[b.parent_id] || {}).name || b.parent_id) : null], ['Has dependent backups', b.has_dependent_backups ? 'yes' : 'no'],
      ['Container', b.container], ['Repository', b.repository], ['Availability zone', b.availability_zone], ['Object count', b.object_count],
      ['Files', b.files], ['Logical bytes', bytes(b.logical_bytes)], ['New bytes before compression', bytes(b.new_raw_bytes)], ['Stored bytes', bytes(b.stored_bytes)],
      ['Reduction', reduction(b.logical_bytes, b.new_raw_bytes, b.stored_bytes)],
      ['Duration', b.duration_ms === null ? null : (b.duration_ms / 1000).toFixed(1) + ' s'], ['Consistency', b.consistency],
      ['Data time', when(b.data_timestamp)], ['Created', when(b.created_at)], ['Updated', when(b.updated_at)], ['Expires', b.expires_at ? when(b.expires_at) : 'never'],
      ['Metadata', Object.entries(b.metadata || {}).map(([k, x]) => k + '=' + x).join(', ')], ['Manifest', b.manifest_id]])),
    h('h2', {}, 'Chain'), h('div', { class: 'card' }, h('ol', { class: 'chain', 'aria-label': 'parents, this backup and its dependents' },
      parents.map(x => chainItem(x, false)), chainItem(b, true), dependents.map(x => chainItem(x, false))),
    h('p', { class: 'muted' }, 'Every Coffer backup restores on its own; parents are history.')),
    h('h2', {}, 'Verification'), h('div', { class: 'card', id: 'verification' }, v ? fields(Object.entries(v).map(([k, x]) => [k, k === 'status' ? badge(String(x)) : String(x)]))
      : h('p', { class: 'muted' }, b.database ? 'Not verified yet.' : 'Verification starts the database a backup holds; this is not a backup of a database instance.')),
    b.database ? [h('h2', {}, 'Database'), h('div', { class: 'card' }, fields(Object.entries(b.database).map(([k, x]) => [k, String(x)])))] : null];
}

function drawInstances(instances) {
  return [h('h1', {}, 'Database instances'), table([
    { title: 'Name', cell: i => i.name }, { title: 'Engine', cell: i => i.engine }, { title: 'Status', cell: i => badge(i.status) },
    { title: 'Volume', cell: i => link('#/volumes/' + i.volume_id, i.volume_name || short(i.volume_id)) },
    { title: 'Data directory', cls: 'opt', cell: i => i.data_dir }, { title: 'Port', cls: 'opt num', cell: i => i.port },
    { title: 'Actions', cell: i => h('button', { type: 'button', onclick: () => instanceBackupAction(i), 'aria-label': 'Back up ' + i.name }, 'Back up') },
  ], instances, 'No database instance is registered: coffer instance register NAME --engine postgresql --volume V.')];
}

function jobsTable(jobs, empty) {
  const sorted = [...jobs].sort((a, b) => (b.created_at || '').localeCompare(a.created_at || ''));
  return table([
    { title: 'Job', cell: j => short(j.id) }, { title: 'Kind', cell: j => j.kind },
    { title: 'Of', cls: 'opt', cell: j => j.resource_type === 'backup' ? link('#/backups/' + j.resource_id, 'backup ' + short(j.resource_id))
      : j.resource_type === 'volume' ? link('#/volumes/' + j.resource_id, 'volume ' + short(j.resource_id)) : j.resource_type + ' ' + short(j.resource_id) },
    { title: 'Status', cell: j => badge(j.status) },
    { title: 'Progress', cell: j => h('div', { class: 'job-progress' }, progressBar(j.progress, 'job ' + short(j.id)), h('div', { class: 'muted' }, progressText(j.progress))) },
    { title: 'Started', cls: 'opt', cell: j => when(j.started_at || j.created_at) },
    { title: 'Error', cls: 'opt', cell: j => j.error },
    { title: '', cell: j => j.status === 'running' || j.status === 'queued'
      ? h('button', { type: 'button', class: 'secondary', 'aria-label': 'Cancel job ' + short(j.id), onclick: () => api('POST', API + '/jobs/' + j.id + '/cancel', {}).then(() => refresh(true), failed) }, 'Cancel') : '' },
  ], sorted.slice(0, 200), empty);
}

function drawJobs(jobs) {
  return [h('h1', {}, 'Jobs'), jobsTable(jobs, 'No job has run yet.')];
}

function drawSchedules(schedules) {
  return [h('h1', {}, 'Schedules'), table([
    { title: 'Name', cell: s => s.name }, { title: 'Backs up', cell: s => (s.target_type || '') + ' ' + (s.target || s.target_id || '') },
    { title: 'When', cell: s => s.cron + ' (' + s.time_zone + ')' },
    { title: 'Next run', cell: s => s.paused ? badge('paused') : when(s.next_run_at) },
    { title: 'Last run', cls: 'opt', cell: s => s.last_run_at ? [when(s.last_run_at), h('div', { class: 'muted' }, s.last_outcome)] : 'never' },
    { title: 'Keeps', cls: 'opt', cell: s => keeps(s) },
    { title: 'Actions', cell: s => h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => scheduleAction(s, 'run'), 'aria-label': 'Run ' + s.name + ' now' }, 'Run now'),
      h('button', { type: 'button', class: 'secondary', onclick: () => scheduleAction(s, s.paused ? 'resume' : 'pause'), 'aria-label': (s.paused ? 'Resume ' : 'Pause ') + s.name }, s.paused ? 'Resume' : 'Pause')) },
  ], schedules, 'No schedule: coffer schedule create NAME --volume V --cron @daily.')];
}

function keeps(s) {
  const parts = [];
  if (s.retention_days) parts.push(s.retention_days + ' days');
  for (const k of ['keep_last', 'keep_daily', 'keep_weekly', 'keep_monthly']) if (s[k]) parts.push(k.replace('keep_', '') + ' ' + s[k]);
  return parts.length ? parts.join(', ') : 'all';
}

function drawUsage(usage) {
  return [h('h1', {}, 'Repository usage'),
    usage.length ? usage.map(r => {
      const last = r.samples[r.samples.length - 1];
      return h('section', { class: 'card' }, h('h2', {}, 'Repository ' + r.repository),
        h('p', {}, last.backups + ' backups; ' + bytes(last.logical_bytes) + ' of data stored in ' + bytes(last.stored_bytes)
          + ': ' + reduction(last.logical_bytes, last.raw_bytes, last.stored_bytes) + '.'),
        chart(r.samples, 'Logical and stored bytes of repository ' + r.repository + ' over time'),
        h('div', { class: 'legend' }, h('span', {}, h('span', { class: 'sw logical' }), 'logical (the data backed up)'),
          h('span', {}, h('span', { class: 'sw raw' }), 'after deduplication'), h('span', {}, h('span', { class: 'sw stored' }), 'stored (after compression too)')),
        h('details', {}, h('summary', {}, 'Samples as a table'), table([{ title: 'Time', cell: x => new Date(x.at).toISOString() },
          { title: 'Backups', cls: 'num', cell: x => x.backups }, { title: 'Logical', cls: 'num', cell: x => bytes(x.logical_bytes) },
          { title: 'After deduplication', cls: 'num', cell: x => bytes(x.raw_bytes) },
          { title: 'Stored', cls: 'num', cell: x => bytes(x.stored_bytes) }], r.samples.slice(-100).reverse(), '')));
    }) : h('p', { class: 'muted' }, 'No usage recorded yet: a sample is taken when a backup or a deletion ends.')];
}

/** A step chart of logical and stored bytes over time, in SVG. */
function chart(samples, label) {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 800, H = 220, L = 70, R = 10, T = 10, B = 30;
  const svg = document.createElementNS(NS, 'svg');
  const set = (el, a) => { for (const [k, v] of Object.entries(a)) el.setAttribute(k, v); return el; };
  set(svg, { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': label });
  const pts = samples.map(s => ({ t: new Date(s.at).getTime(), l: s.logical_bytes, r: s.raw_bytes, s: s.stored_bytes }));
  const end = pts[pts.length - 1];
  pts.push({ t: Date.now(), l: end.l, r: end.r, s: end.s });
  const t0 = pts[0].t, t1 = Math.max(pts[pts.length - 1].t, t0 + 1);
  const max = Math.max(1, ...pts.map(p => Math.max(p.l, p.s)));
  const x = t => L + (W - L - R) * (t - t0) / (t1 - t0);
  const y = v => T + (H - T - B) * (1 - v / max);
  for (const f of [0, 0.5, 1]) {
    svg.append(set(document.createElementNS(NS, 'line'), { x1: L, x2: W - R, y1: y(max * f), y2: y(max * f), stroke: '#d9dee4' }));
    const t = set(document.createElementNS(NS, 'text'), { x: L - 6, y: y(max * f) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#5b6570' });
    t.textContent = bytes(Math.round(max * f));
    svg.append(t);
  }
  for (const [t, anchor] of [[t0, 'start'], [t1, 'end']]) {
    const tx = set(document.createElementNS(NS, 'text'), { x: x(t), y: H - 8, 'text-anchor': anchor, 'font-size': 11, fill: '#5b6570' });
    tx.textContent = new Date(t).toISOString().slice(0, 16).replace('T', ' ');
    svg.append(tx);
  }
  for (const [key, cls] of [['l', 'logical'], ['r', 'raw'], ['s', 'stored']]) {
    let d = '', pen = false; // a gap where a value is unknown
    for (const p of pts) {
      if (p[key] === null || p[key] === undefined) { pen = false; continue; }
      d += pen ? `H${x(p.t)}V${y(p[key])}` : `M${x(p.t)},${y(p[key])}`;
      pen = true;
    }
    if (d) svg.append(set(document.createElementNS(NS, 'path'), { d, fill: 'none', 'stroke-width': 2.5, class: cls }));
  }
  return svg;
}

// ---- routing and live refresh ----

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (!parts.length) return { name: 'overview', nav: 'overview' };
  if (parts[0] === 'volumes' && parts[1]) return { name: 'volume', arg: decodeURIComponent(parts[1]), nav: 'volumes' };
  if (parts[0] === 'backups' && parts[1]) return { name: 'backup', arg: decodeURIComponent(parts[1]), nav: 'backups' };
  if (views[parts[0]]) return { name: parts[0], nav: parts[0] };
  return { name: 'overview', nav: 'overview' };
}

async function refresh(force) {
  clearTimeout(refreshTimer);
  const r = route();
  const key = r.name + '/' + (r.arg || '');
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.view === r.nav) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  let busy = false;
  try {
    const v = await views[r.name](r.arg);
    const json = JSON.stringify(v.data);
    busy = /"status":"(running|queued|creating|restoring|deleting|backing-up|restoring-backup)"/.test(json);
    // redraw only on a change, and never under an open dialog or a user's selection
    if (force || key !== lastRender.key || json !== lastRender.data) {
      if (!dialog.open) {
        const focusedLabel = document.activeElement && main.contains(document.activeElement) ? focusKey(document.activeElement) : null;
        main.replaceChildren(...[v.draw()].flat(3).filter(Boolean));
        if (key !== lastRender.key) {
          document.title = 'Coffer · ' + (main.querySelector('h1') || {}).textContent;
          if (lastRender.key !== null) main.focus({ preventScroll: true }); // a move within the page; a fresh load starts at the top
        }
        else if (focusedLabel) restoreFocus(focusedLabel);
        lastRender = { key, data: json };
      }
    }
    statusLine.textContent = 'Updated ' + new Date().toLocaleTimeString() + (busy ? ' · live' : '');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { if (!dialog.open) askToken(e.message); }
    else if (e instanceof ApiError && e.status === 404 && r.arg) { main.replaceChildren(h('h1', {}, 'Not found'), h('p', {}, e.message)); lastRender = { key, data: null }; }
    else statusLine.textContent = 'Not updated: ' + e.message;
  }
  refreshTimer = setTimeout(() => refresh(false), busy ? 1000 : 5000);
}

function focusKey(el) {
  return el.getAttribute('aria-label') || el.getAttribute('href') || el.textContent;
}

function restoreFocus(k) {
  for (const el of main.querySelectorAll('a, button')) {
    if (focusKey(el) === k) { el.focus({ preventScroll: true }); return; }
  }
}

window.addEventListener('hashchange', () => { flashBox.replaceChildren(); refresh(true); });
dialog.addEventListener('close', () => { dialog.replaceChildren(); });
refresh(true);
