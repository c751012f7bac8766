/** The bus requests arrive on (`Deploy Requested`, `Down Requested`) and outcomes leave by. */
export function createEventBus() {
  return new sst.aws.Bus('Bus');
}
