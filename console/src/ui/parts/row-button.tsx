/**
 * A button in a table row whose accessible name says which row it acts on ("Delete (photos)")
 * while the visible text stays short ("Delete"), so many rows of identical buttons stay distinct
 * for screen readers, voice control and tests.
 */
export interface RowButtonProps {
  label: string;
  /** The row's item, e.g. a bucket name or a key alias. */
  item: string;
  onClick: () => void;
  tone?: 'normal' | 'danger';
}

export function RowButton({ label, item, onClick, tone = 'normal' }: RowButtonProps) {
  return (
    <button type="button" class={tone === 'danger' ? 'button button-small button-danger-outline' : 'button button-small'} onClick={onClick}>
      {label}
      <span class="visually-hidden"> ({item})</span>
    </button>
  );
}
