import { useConfirm } from 'primevue/useconfirm';
import { useToast } from 'primevue/usetoast';
import { errorText } from '../api/http';

/**
 * Asks before deleting (the app's one ConfirmDialog, group `delete`), then deletes and says what happened: a toast
 * with the outcome, or the server's reason for refusing.
 */
export function useDeleteConfirm() {
  const confirm = useConfirm();
  const toast = useToast();
  return function ask(what: { header: string; message: string; accept: string }, run: () => Promise<string>) {
    confirm.require({
      group: 'delete',
      header: what.header,
      message: what.message,
      icon: 'pi pi-trash',
      acceptProps: { label: what.accept, severity: 'danger', icon: 'pi pi-trash' },
      rejectProps: { label: 'Cancel', text: true },
      accept: async () => {
        try {
          toast.add({ severity: 'success', summary: await run(), life: 4000 });
        } catch (err) {
          toast.add({ severity: 'error', summary: 'Not deleted', detail: errorText(err), life: 8000 });
        }
      },
    });
  };
}
