/**
 * A settings switch: a checkbox with `role="switch"`, its label, and the hint it is described by
 * (`<name>-hint`). Every switch on the Settings page is one, so they read and behave alike.
 *
 * @example
 * <SwitchField name="LOOP_DETECTION_STOP" label="Stop looping streams" checked={stop.value}
 *   hint="Also sends stop to the engine session." onChange={(on) => (stop.value = on)} />
 */
import type { ComponentChildren } from 'preact'

export interface SwitchFieldProps {
  /** The setting's name, also the form field's. */
  name: string
  label: string
  checked: boolean
  disabled?: boolean
  hint: ComponentChildren
  onChange(checked: boolean): void
}

export function SwitchField(props: SwitchFieldProps) {
  const hintId = `${props.name.toLowerCase().replace(/_/g, '-')}-hint`
  return (
    <div class="field">
      <label class="switch">
        <input
          type="checkbox"
          role="switch"
          name={props.name}
          checked={props.checked}
          disabled={props.disabled}
          aria-describedby={hintId}
          onChange={(e) => props.onChange((e.currentTarget as HTMLInputElement).checked)}
        />
        {props.label}
      </label>
      <p class="hint" id={hintId}>
        {props.hint}
      </p>
    </div>
  )
}
