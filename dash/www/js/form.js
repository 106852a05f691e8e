// form.js: form fields from a description {name, type, required, choices,
// default, hintDefault, min, max, label, help}; type
// str|text|int|bool|enum|list|time (a list is typed comma-separated, as on
// the command line; hintDefault shows a default the server fills in as a
// placeholder, or in a select's empty choice, instead of sending it).
// read() gives the value to send, or undefined when the field was left
// empty (so a "set" changes only what the clerk filled in). Validation is
// the API's; the browser only knows "required" and number bounds, as hints.
import { h } from './dom.js';
import { t } from './i18n.js';

export function field(spec, id, choiceLabel) {
  let input;
  const lab = choiceLabel || ((v) => v);
  // A select left empty: what the server fills in, when it says.
  const hint = (words) => spec.hintDefault && spec.default !== undefined &&
    spec.default !== null ? t('form.default', { value: words }) : '—';
  switch (spec.type) {
    case 'bool':
      input = h('select', { id }, h('option', { value: '' },
        hint(t(String(spec.default) === 'true' ? 'yes' : 'no'))),
      h('option', { value: 'true' }, t('yes')),
      h('option', { value: 'false' }, t('no')));
      break;
    case 'enum':
      input = h('select', { id }, h('option', { value: '' },
        hint(lab(spec.default))),
      (spec.choices || []).map((c) => h('option', { value: c }, lab(c))));
      break;
    case 'text':
      input = h('textarea', { id, rows: '2' });
      break;
    case 'int':
      input = h('input', { id, type: 'number', step: '1',
        min: spec.min ?? null, max: spec.max ?? null });
      break;
    case 'time':
      input = h('input', { id, type: 'datetime-local' });
      break;
    default:
      input = h('input', { id, type: 'text' });
  }
  if (spec.required) input.required = true;
  if (spec.default !== undefined && spec.default !== null) {
    // A default the server fills in is a hint, not a value sent.
    if (spec.hintDefault && input.tagName === 'INPUT')
      input.placeholder = String(spec.default);
    else if (!spec.hintDefault) input.value = String(spec.default);
  }
  if (spec.type === 'list') input.placeholder = t('form.list');
  const wrap = h('label', { class: 'fld' + (spec.type === 'text' ? ' wide' :
    ''), for: id }, h('span', {}, spec.label || spec.name,
    spec.required ? h('b', { class: 'req' }, ' *') : null), input,
  spec.help ? h('small', {}, spec.help) : null);
  const read = () => {
    const v = input.value.trim();
    if (v === '') return undefined;
    if (spec.type === 'int') return Number(v);
    if (spec.type === 'bool') return v === 'true';
    return v;
  };
  return { el: wrap, input, read, spec };
}

// Values of fields as an object, leaving out the empty ones.
export function values(fields) {
  const out = {};
  for (const f of fields) {
    const v = f.read();
    if (v !== undefined) out[f.spec.key || f.spec.name] = v;
  }
  return out;
}
