/**
 * A labelled whole-number input with its bounds in the label ("Waiting period in days (7 to 30)").
 * The value stays text so the user can type freely; the form checks it on submit.
 */
export interface NumberFieldProps {
  id: string;
  label: string;
  min: number;
  max: number;
  value: string;
  onInput: (text: string) => void;
}

export function NumberField({ id, label, min, max, value, onInput }: NumberFieldProps) {
  return (
    <div class="field">
      <label for={id}>
        {label} ({min} to {max})
      </label>
      <input id={id} type="number" inputMode="numeric" min={min} max={max} value={value} onInput={(e) => onInput(e.currentTarget.value)} />
    </div>
  );
}
