/**
 * KMS keys: create (description, optional alias), and per key its aliases, id, description, state
 * (with the deletion date when pending) and rotation (on/off, period, next date), with the
 * actions its state allows: enable, disable, rotate now, rotation settings, aliases, schedule or
 * cancel deletion.
 */
import { useState } from 'preact/hooks';
import type { KmsKey } from '../../api/contract.js';
import { ConfirmDialog } from '../parts/form-dialog.js';
import { DataTable, ListState } from '../parts/data-table.js';
import { ErrorText } from '../parts/messages.js';
import { PanelForm } from '../parts/panel-form.js';
import { RowButton } from '../parts/row-button.js';
import { ScreenHeading } from '../parts/screen-heading.js';
import { isOk, unwrap } from '../failure.js';
import { formatDate, formatDateTime } from '../format.js';
import { useTask } from '../hooks.js';
import { kmsKeyName, useKmsKeys } from '../kms-keys.js';
import { useServices } from '../services.js';
import { aliasProblem, normalizeAlias } from '../validation.js';
import { AliasesDialog, DeletionDialog, RotationDialog } from './kms-dialogs.js';

type OpenDialog = { kind: 'rotation' | 'deletion' | 'aliases' | 'disable'; key: KmsKey } | undefined;

export function KmsScreen() {
  const { api } = useServices();
  const keys = useKmsKeys();
  const [dialog, setDialog] = useState<OpenDialog>(undefined);
  const task = useTask();

  const act = (work: () => Promise<string>): void => {
    void task.run(work).then((ok) => ok && keys.reload());
  };
  const actions = {
    enable: (key: KmsKey) =>
      act(async () => {
        unwrap(await api.kms.enableKey(key.keyId));
        return `${kmsKeyName(key)} is enabled.`;
      }),
    rotate: (key: KmsKey) =>
      act(async () => {
        unwrap(await api.kms.rotateKeyOnDemand(key.keyId));
        return `${kmsKeyName(key)} was rotated: new data keys now use new key material.`;
      }),
    cancelDeletion: (key: KmsKey) =>
      act(async () => {
        unwrap(await api.kms.cancelKeyDeletion(key.keyId));
        return `Deletion of ${kmsKeyName(key)} cancelled. The key is disabled; enable it to use it again.`;
      }),
    open: (kind: NonNullable<OpenDialog>['kind'], key: KmsKey) => setDialog({ kind, key }),
  };
  const close = (): void => setDialog(undefined);

  return (
    <>
      <ScreenHeading title="KMS keys" />
      <CreateKeyForm onCreated={keys.reload} />
      <ErrorText text={task.error} />
      <ListState list={keys} what="keys" empty="No keys yet. The default key appears after the first SSE-KMS upload, or create one above." />
      {keys.data && keys.data.length > 0 && (
        <DataTable caption="KMS keys" columns={['Key', 'Description', 'State', 'Rotation', 'Created']} hasActions>
          {keys.data.map((key) => (
            <KeyRow key={key.keyId} kmsKey={key} actions={actions} />
          ))}
        </DataTable>
      )}
      {dialog?.kind === 'rotation' && <RotationDialog kmsKey={dialog.key} onClose={close} onChanged={keys.reload} />}
      {dialog?.kind === 'deletion' && <DeletionDialog kmsKey={dialog.key} onClose={close} onChanged={keys.reload} />}
      {dialog?.kind === 'aliases' && <AliasesDialog kmsKey={dialog.key} onClose={close} onChanged={keys.reload} />}
      {dialog?.kind === 'disable' && (
        <ConfirmDialog
          title={`Disable ${kmsKeyName(dialog.key)}?`}
          confirmLabel="Disable key"
          onConfirm={async () => {
            unwrap(await api.kms.disableKey(dialog.key.keyId));
            return `${kmsKeyName(dialog.key)} is disabled.`;
          }}
          onClose={close}
          onDone={keys.reload}
        >
          <p>While the key is disabled, objects encrypted under it cannot be read or written, and buckets using it as their default refuse uploads. You can enable it again at any time.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

interface KeyActions {
  enable: (key: KmsKey) => void;
  rotate: (key: KmsKey) => void;
  cancelDeletion: (key: KmsKey) => void;
  open: (kind: NonNullable<OpenDialog>['kind'], key: KmsKey) => void;
}

const ROTATION_TYPES = { AUTOMATIC: 'automatic', ON_DEMAND: 'on demand' } as const;

function KeyRow({ kmsKey: key, actions }: { kmsKey: KmsKey; actions: KeyActions }) {
  const last = key.lastRotation;
  const name = kmsKeyName(key);
  return (
    <tr>
      <th scope="row" data-label="Key">
        {key.aliases.length > 0 ? (
          key.aliases.map((alias) => (
            <span class="key-alias" key={alias}>
              {alias}
            </span>
          ))
        ) : (
          <span class="hint">no alias</span>
        )}
        <span class="key-id mono">{key.keyId}</span>
      </th>
      <td data-label="Description">{key.description || <span class="hint">none</span>}</td>
      <td data-label="State">
        <span class={`state state-${key.keyState.toLowerCase()}`}>{key.keyState === 'PendingDeletion' ? 'Pending deletion' : key.keyState}</span>
        {key.deletionDate && <span class="state-detail">deleted on {formatDate(key.deletionDate)}</span>}
      </td>
      <td data-label="Rotation">
        {key.rotationEnabled ? (
          <>
            On, every {key.rotationPeriodInDays ?? 365} days
            {key.nextRotationDate && <span class="state-detail">next on {formatDate(key.nextRotationDate)}</span>}
          </>
        ) : (
          'Off'
        )}
        {last && (
          <span class="state-detail">
            last rotated {formatDateTime(last.date)}
            {last.type && ` (${ROTATION_TYPES[last.type]})`}, {key.rotations} {key.rotations === 1 ? 'rotation' : 'rotations'} in all
          </span>
        )}
      </td>
      <td data-label="Created" class="cell-nowrap">
        {formatDate(key.creationDate)}
      </td>
      <td class="actions">
        {key.keyState === 'Enabled' && (
          <>
            <RowButton label="Rotate now" item={name} onClick={() => actions.rotate(key)} />
            <RowButton label="Rotation" item={name} onClick={() => actions.open('rotation', key)} />
            <RowButton label="Disable" item={name} onClick={() => actions.open('disable', key)} />
          </>
        )}
        {key.keyState === 'Disabled' && <RowButton label="Enable" item={name} onClick={() => actions.enable(key)} />}
        <RowButton label="Aliases" item={name} onClick={() => actions.open('aliases', key)} />
        {key.keyState === 'PendingDeletion' ? (
          <RowButton label="Cancel deletion" item={name} onClick={() => actions.cancelDeletion(key)} />
        ) : (
          <RowButton label="Schedule deletion" item={name} onClick={() => actions.open('deletion', key)} tone="danger" />
        )}
      </td>
    </tr>
  );
}

function CreateKeyForm({ onCreated }: { onCreated: () => void }) {
  const { api, describeError } = useServices();
  const [description, setDescription] = useState('');
  const [aliasText, setAliasText] = useState('');
  const task = useTask();
  const submit = async (): Promise<void> => {
    const alias = aliasText.trim() ? normalizeAlias(aliasText) : undefined;
    const ok = await task.run(async () => {
      const problem = alias ? aliasProblem(alias) : undefined;
      if (problem) throw new Error(problem);
      const key = unwrap(await api.kms.createKey(description.trim()));
      if (!alias) return `Key ${key.keyId} created.`;
      const aliased = await api.kms.createAlias(alias, key.keyId);
      if (!isOk(aliased)) throw new Error(`Key ${key.keyId} was created, but the alias could not be added: ${describeError(aliased)}`);
      return `Key ${alias} created.`;
    });
    onCreated();
    if (ok) {
      setDescription('');
      setAliasText('');
    }
  };
  return (
    <PanelForm id="new-key" title="Create a key" submitLabel="Create key" isBusy={task.busy} error={task.error} onSubmit={() => void submit()}>
      <div class="field field-grow">
        <label for="new-key-description">Description</label>
        <input id="new-key-description" type="text" value={description} onInput={(e) => setDescription(e.currentTarget.value)} autoComplete="off" />
      </div>
      <div class="field field-grow">
        <label for="new-key-alias">Alias (optional)</label>
        <input id="new-key-alias" type="text" class="mono" value={aliasText} placeholder="alias/photos" onInput={(e) => setAliasText(e.currentTarget.value)} autoComplete="off" spellcheck={false} />
      </div>
    </PanelForm>
  );
}
