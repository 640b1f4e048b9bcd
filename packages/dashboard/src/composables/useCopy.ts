import { useToast } from 'primevue/usetoast';
import { copyText } from '../lib/clipboard';

/** Copies and says so (or says to copy by hand). */
export function useCopy() {
  const toast = useToast();
  return async (text: string, what: string) => {
    const copied = await copyText(text);
    toast.add(
      copied
        ? { severity: 'success', summary: `${what} copied`, life: 2500 }
        : { severity: 'warn', summary: `${what} could not be copied`, detail: 'Select it and copy it by hand.', life: 5000 },
    );
  };
}
