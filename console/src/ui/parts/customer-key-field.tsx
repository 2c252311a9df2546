/**
 * A text field for an SSE-C customer key the user types or pastes (base64 of 32 bytes or 64 hex
 * digits). The key lives only in the component's state and in request headers: autocomplete and
 * spellcheck are off so the browser neither stores nor sends it anywhere.
 */
export interface CustomerKeyFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (text: string) => void;
  readOnly?: boolean;
  /** Extra sentence under the field. */
  hint?: string;
  invalid?: boolean;
  errorId?: string;
}

export function CustomerKeyField({ id, label, value, onChange, readOnly, hint, invalid, errorId }: CustomerKeyFieldProps) {
  const hintId = `${id}-hint`;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        id={id}
        class="mono"
        type="text"
        value={value}
        readOnly={readOnly}
        autoComplete="off"
        autoCapitalize="off"
        spellcheck={false}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={[hintId, invalid ? errorId : undefined].filter(Boolean).join(' ')}
        onInput={(e) => onChange(e.currentTarget.value)}
      />
      <p class="hint" id={hintId}>
        {hint ?? '32 bytes as base64 (44 characters) or as 64 hex digits.'} It is sent only in request headers and never stored.
      </p>
    </div>
  );
}
