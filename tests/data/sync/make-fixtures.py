#!/usr/bin/env python3
# Writes the fixture answers of the fake az (see README.md). Run it after
# changing a fixture: edit this script, not the JSON files it writes.
import json, re, os
BASE=os.path.dirname(os.path.abspath(__file__))
A='aaaaaaaa-0000-4000-8000-000000000001'
B='bbbbbbbb-0000-4000-8000-000000000002'
C='cccccccc-0000-4000-8000-000000000003'
TENANT='7e57a0c1-0000-4000-8000-000000000000'
API='2025-06-01'

def key(args):
    parts=[]; i=0
    while i < len(args):
        if args[i] in ('--output','--start-time','--end-time','--max-events'):
            i+=2; continue
        parts.append(args[i]); i+=1
    s=' '.join(parts)+' '
    s=s.lower()
    s=re.sub(r'[^a-z0-9]+','-',s).strip('-')
    return s

def put(d, args, obj):
    os.makedirs(os.path.join(BASE,d),exist_ok=True)
    path=os.path.join(BASE,d,key(args)+'.json')
    with open(path,'w') as f:
        json.dump(obj,f,indent=2); f.write('\n')

def acc_id(sub, rg, name):
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.CognitiveServices/accounts/{name}"

# ---- subscriptions
put('first',['account','list'],[
 {"cloudName":"AzureCloud","homeTenantId":TENANT,"id":A,"isDefault":True,"managedByTenants":[],"name":"contoso-prod","state":"Enabled","tenantId":TENANT,"user":{"name":"ops@contoso.com","type":"user"}},
 {"cloudName":"AzureCloud","homeTenantId":TENANT,"id":B,"isDefault":False,"managedByTenants":[],"name":"contoso-dev","state":"Enabled","tenantId":TENANT,"user":{"name":"ops@contoso.com","type":"user"}},
 {"cloudName":"AzureCloud","homeTenantId":TENANT,"id":C,"isDefault":False,"managedByTenants":[],"name":"old-sandbox","state":"Disabled","tenantId":TENANT,"user":{"name":"ops@contoso.com","type":"user"}},
])

EAST=acc_id(A,'RG-ML','aoai-east')
SPEECH=acc_id(A,'rg-apps','speech-eu')
WEST=acc_id(B,'rg-apps','aoai-west')

def account(id_, name, kind, loc, rg):
    return {"etag":"\"0a00e5c1-0000-0200-0000-66f2a1b30000\"","id":id_,"identity":None,"kind":kind,"location":loc,"name":name,
            "properties":{"customSubDomainName":name,"endpoint":f"https://{name}.openai.azure.com/","provisioningState":"Succeeded","publicNetworkAccess":"Enabled"},
            "resourceGroup":rg,"sku":{"name":"S0"},"systemData":{"createdAt":"2024-03-04T10:00:00.0000000Z","createdBy":"ops@contoso.com","createdByType":"User"},"tags":None,"type":"Microsoft.CognitiveServices/accounts"}

put('first',['cognitiveservices','account','list','--subscription',A],[
  account(EAST,'aoai-east','OpenAI','eastus2','RG-ML'),
  account(SPEECH,'speech-eu','SpeechServices','westeurope','rg-apps'),
])
put('first',['cognitiveservices','account','list','--subscription',B],[
  account(WEST,'AOAI-West','AIServices','West US 3','rg-apps'),
])

def deployment(acc, name, sku, cap, model, version, created, modified=None):
    return {"etag":"\"a1\"","id":f"{acc}/deployments/{name}","name":name,
      "properties":{"capabilities":{"chatCompletion":"true"},"model":{"callRateLimit":None,"format":"OpenAI","name":model,"source":None,"version":version},
                    "provisioningState":"Succeeded","raiPolicyName":"Microsoft.DefaultV2","versionUpgradeOption":"NoAutoUpgrade"},
      "resourceGroup":acc.split('/')[4],"sku":{"capacity":cap,"family":None,"name":sku,"size":None,"tier":None},
      "systemData":{"createdAt":created,"createdBy":"ops@contoso.com","createdByType":"User","lastModifiedAt":modified or created,"lastModifiedBy":"ops@contoso.com","lastModifiedByType":"User"},
      "tags":None,"type":"Microsoft.CognitiveServices/accounts/deployments"}

east_scope=['--name','aoai-east','--resource-group','RG-ML','--subscription',A]
west_scope=['--name','AOAI-West','--resource-group','rg-apps','--subscription',B]
put('first',['cognitiveservices','account','deployment','list']+east_scope,[
  deployment(EAST,'chat','ProvisionedManaged',300,'gpt-4o','2024-08-06','2026-10-01T08:15:30.1234567Z'),
  deployment(EAST,'global-41','GlobalProvisionedManaged',15,'gpt-4.1','2025-04-14','2026-11-02T00:00:00Z'),
  deployment(EAST,'embed','Standard',120,'text-embedding-3-large','1','2026-09-01T00:00:00Z'),
])
put('second',['cognitiveservices','account','deployment','list']+east_scope,[
  deployment(EAST,'chat','ProvisionedManaged',400,'gpt-4o','2024-08-06','2026-10-01T08:15:30.1234567Z','2026-12-03T10:15:02Z'),
  deployment(EAST,'embed','Standard',120,'text-embedding-3-large','1','2026-09-01T00:00:00Z'),
])
put('first',['cognitiveservices','account','deployment','list']+west_scope,[
  deployment(WEST,'batch','DataZoneProvisionedManaged',50,'gpt-4o-mini','2024-07-18','2026-11-10T09:00:00Z'),
])

def plan(acc, name, count, start, end, auto, nxt):
    p={"autoRenew":auto,"commitmentPlanGuid":"5a0d3f4e-1111-4222-8333-944444444444",
       "current":{"count":count,"endDate":end,"quota":None,"startDate":start,"tier":"T1"},
       "hostingModel":"ProvisionedWeb","planType":"PTU","provisioningIssues":None}
    if nxt is not None: p["next"]={"count":nxt,"tier":"T1"}
    return {"etag":"\"c1\"","id":f"{acc}/commitmentPlans/{name}","kind":None,"location":None,"name":name,"properties":p,
            "type":"Microsoft.CognitiveServices/accounts/commitmentPlans"}
put('first',['cognitiveservices','account','commitment-plan','list']+east_scope,[
  plan(EAST,'PTU-Plan',300,'2026-11-01T00:00:00Z','2026-12-01T00:00:00Z',True,300)])
put('second',['cognitiveservices','account','commitment-plan','list']+east_scope,[
  plan(EAST,'PTU-Plan',350,'2026-12-01T00:00:00Z','2027-01-01T00:00:00Z',False,None)])
put('first',['cognitiveservices','account','commitment-plan','list']+west_scope,[])

def rest(url): return ['rest','--method','get','--url',url]
put('first',rest(f"/subscriptions/{A}/providers/Microsoft.CognitiveServices/commitmentPlans?api-version={API}"),{"value":[]})
page2=f"https://management.azure.com/subscriptions/{B}/providers/Microsoft.CognitiveServices/commitmentPlans?api-version={API}&$skipToken=page2"
SHARED=f"/subscriptions/{B}/resourceGroups/rg-apps/providers/Microsoft.CognitiveServices/commitmentPlans/dev-plan"
put('first',rest(f"/subscriptions/{B}/providers/Microsoft.CognitiveServices/commitmentPlans?api-version={API}"),{"value":[
  {"id":f"/subscriptions/{B}/resourceGroups/rg-apps/providers/Microsoft.CognitiveServices/commitmentPlans/stt-plan","name":"stt-plan",
   "type":"Microsoft.CognitiveServices/commitmentPlans","location":"West US 3","sku":{"name":"S0"},"kind":"SpeechServices",
   "properties":{"provisioningState":"Succeeded","hostingModel":"Web","planType":"STT","autoRenew":True,"current":{"tier":"T1"}}}],
  "nextLink":page2})
put('first',rest(page2),{"value":[
  {"id":SHARED,"name":"dev-plan","type":"Microsoft.CognitiveServices/commitmentPlans","location":"westus3","sku":{"name":"S0"},"kind":"AIServices",
   "properties":{"provisioningState":"Succeeded","hostingModel":"ProvisionedWeb","planType":"PTU","autoRenew":False,
                 "current":{"count":100,"startDate":"2026-11-15T00:00:00Z","endDate":"2026-12-15T00:00:00Z","tier":"T1"}}}]})
put('first',rest(f"{SHARED}/accountAssociations?api-version={API}"),{"value":[
  {"id":f"{SHARED}/accountAssociations/west","name":"west","type":"Microsoft.CognitiveServices/commitmentPlans/accountAssociations",
   "properties":{"accountId":WEST}}]})

def usage(value, local, cur, lim):
    return {"currentValue":cur,"limit":lim,"name":{"localizedValue":local,"value":value},"nextResetTime":"","quotaPeriod":None,"status":None,"unit":"Count"}
put('first',['cognitiveservices','usage','list','--location','eastus2','--subscription',A],[
  usage("OpenAI.ProvisionedManaged","Provisioned Managed Throughput Unit",300.0,500.0),
  usage("OpenAI.GlobalProvisionedManaged","Global Provisioned Managed Throughput Unit",15.0,200.0),
  usage("OpenAI.DataZoneProvisionedManaged","Data Zone Provisioned Managed Throughput Unit",0.0,100.0),
  usage("OpenAI.Standard.gpt-4o","Tokens Per Minute (thousands) - GPT-4o",120.0,450.0),
])
put('first',['cognitiveservices','usage','list','--location','westus3','--subscription',B],[
  usage("OpenAI.ProvisionedManaged","Provisioned Managed Throughput Unit",0.0,300.0),
  usage("OpenAI.DataZoneProvisionedManaged","Data Zone Provisioned Managed Throughput Unit",50.0,100.0),
])

# Service capacity (`modelCapacities` through `az rest`, the shape of Azure's
# published example): per model version the estate deploys, every region and
# SKU Azure reports. gpt-4.1 has none left for Regional anywhere; a Standard
# row is not provisioned throughput (skipped).
CAPI='2024-10-01'
def capacities(sub, model, version): return rest(f"/subscriptions/{sub}/providers/Microsoft.CognitiveServices/modelCapacities?api-version={CAPI}&modelFormat=OpenAI&modelName={model}&modelVersion={version}")
def cap(sub, loc, model, version, sku, avail):
    return {"id":f"/subscriptions/{sub}/providers/Microsoft.CognitiveServices/locations/{loc}/models/OpenAI.{model}.{version}/skuCapacities/{sku}",
            "type":"Microsoft.CognitiveServices/locations/models/skuCapacities","name":sku,"location":loc,
            "properties":{"model":{"format":"OpenAI","name":model,"version":version},"skuName":sku,"availableCapacity":avail,"availableFinetuneCapacity":0}}
put('first',capacities(A,'gpt-4o','2024-08-06'),{"value":[
  cap(A,'EastUS2','gpt-4o','2024-08-06','ProvisionedManaged',200),
  cap(A,'EastUS2','gpt-4o','2024-08-06','GlobalProvisionedManaged',1000),
  cap(A,'SwedenCentral','gpt-4o','2024-08-06','ProvisionedManaged',0),
  cap(A,'WestUS3','gpt-4o','2024-08-06','ProvisionedManaged',500),
  cap(A,'EastUS2','gpt-4o','2024-08-06','Standard',1000),
]})
put('first',capacities(A,'gpt-4.1','2025-04-14'),{"value":[
  cap(A,'EastUS2','gpt-4.1','2025-04-14','ProvisionedManaged',0),
  cap(A,'EastUS2','gpt-4.1','2025-04-14','GlobalProvisionedManaged',300),
]})
put('first',capacities(B,'gpt-4o-mini','2024-07-18'),{"value":[
  cap(B,'WestUS3','gpt-4o-mini','2024-07-18','DataZoneProvisionedManaged',150),
]})
# Later: Regional gpt-4o capacity in eastus2 taken by others.
put('second',capacities(A,'gpt-4o','2024-08-06'),{"value":[
  cap(A,'EastUS2','gpt-4o','2024-08-06','ProvisionedManaged',0),
  cap(A,'EastUS2','gpt-4o','2024-08-06','GlobalProvisionedManaged',900),
  cap(A,'WestUS3','gpt-4o','2024-08-06','ProvisionedManaged',500),
]})

O1='c0de0001-0000-4000-8000-000000000001'; R1='d0de0001-0000-4000-8000-000000000001'
O2='c0de0002-0000-4000-8000-000000000002'; R2='d0de0002-0000-4000-8000-000000000002'
# Reservations through `az rest` on Microsoft.Capacity (REST {"value"} bodies,
# the orders on two pages).
RAPI='2022-11-01'
ORDERS=f"/providers/Microsoft.Capacity/reservationOrders?api-version={RAPI}"
ORDERS2=f"https://management.azure.com/providers/Microsoft.Capacity/reservationOrders?api-version={RAPI}&$skiptoken=2"
def res_list(order): return rest(f"/providers/Microsoft.Capacity/reservationOrders/{order}/reservations?api-version={RAPI}")
orders=[
  {"etag":4,"id":f"/providers/Microsoft.Capacity/reservationOrders/{O1}","name":O1,"type":"Microsoft.Capacity/reservationOrders",
   "properties":{"benefitStartTime":"2026-11-20T08:00:00Z","billingPlan":"Monthly","createdDateTime":"2026-11-20T07:59:30Z","displayName":"east regional",
     "expiryDateTime":"2026-12-20T08:00:00Z","originalQuantity":100,"provisioningState":"Succeeded","requestDateTime":"2026-11-20T07:59:00Z",
     "reservations":[{"id":f"/providers/Microsoft.Capacity/reservationOrders/{O1}/reservations/{R1}"}],"term":"P1M"}},
  {"etag":2,"id":f"/providers/Microsoft.Capacity/reservationOrders/{O2}","name":O2,"type":"Microsoft.Capacity/reservationOrders",
   "properties":{"benefitStartTime":"2025-02-01T00:00:00Z","billingPlan":"Upfront","createdDateTime":"2025-02-01T00:00:00Z","displayName":"VM_RI_build_agents",
     "provisioningState":"Succeeded","reservations":[{"id":f"/providers/Microsoft.Capacity/reservationOrders/{O2}/reservations/{R2}"}],"term":"P3Y"}},
]
put('first',rest(ORDERS),{"value":orders[:1],"nextLink":ORDERS2})
put('first',rest(ORDERS2),{"value":orders[1:],"nextLink":None})
def res1(scope_type, scopes, updated, renew=True, state="Succeeded"):
    p={"appliedScopeType":scope_type,"benefitStartTime":"2026-11-20T08:00:00Z","billingPlan":"Monthly",
       "billingScopeId":f"/subscriptions/{A}","displayName":"east regional","displayProvisioningState":state,
       "effectiveDateTime":"2026-11-20T08:00:00Z","expiryDateTime":"2026-12-20T08:00:00Z","lastUpdatedDateTime":updated,
       "provisioningState":state,"purchaseDateTime":"2026-11-20T07:59:00Z","quantity":100,"renew":renew,
       "reservedResourceType":"CognitiveServices","skuDescription":"Provisioned Managed Regional","term":"P1M",
       "userFriendlyAppliedScopeType":"Single" if scope_type=="Single" else "Shared"}
    if scopes is not None: p["appliedScopes"]=scopes
    if updated is None: del p["lastUpdatedDateTime"]
    return {"value":[{"etag":3,"id":f"/providers/Microsoft.Capacity/reservationOrders/{O1}/reservations/{R1}","location":"eastus2",
             "name":f"{O1}/{R1}","sku":{"name":"ProvisionedManaged_Regional"},"type":"Microsoft.Capacity/reservationOrders/reservations","properties":p}]}
put('first',res_list(O1),res1("Single",[f"/subscriptions/{A}"],"2026-11-20T08:00:00Z"))
put('second',res_list(O1),res1("Shared",None,"2026-12-04T09:00:00Z"))
# The same scope change with the renewal turned off too, and no lastUpdatedDateTime to date either.
put('undated',res_list(O1),res1("Shared",None,None,renew=False))
# Later: the reservation cancelled (returned), again without lastUpdatedDateTime.
put('cancelled',res_list(O1),res1("Shared",None,None,renew=False,state="Cancelled"))
put('first',res_list(O2),{"value":[
  {"etag":2,"id":f"/providers/Microsoft.Capacity/reservationOrders/{O2}/reservations/{R2}","location":"westeurope","name":f"{O2}/{R2}",
   "sku":{"name":"Standard_D2s_v3"},"type":"Microsoft.Capacity/reservationOrders/reservations",
   "properties":{"appliedScopeType":"Shared","billingScopeId":f"/subscriptions/{A}","displayName":"VM_RI_build_agents","provisioningState":"Succeeded",
     "quantity":4,"reservedResourceType":"VirtualMachines","skuDescription":"Standard_D2s_v3","term":"P3Y","lastUpdatedDateTime":"2025-02-01T00:00:00Z"}}]})

# ---- activity log (second sync)
def event(rid, op, status, ts, caller="ops@contoso.com"):
    return {"authorization":{"action":op,"scope":rid},"caller":caller,"category":{"localizedValue":"Administrative","value":"Administrative"},
            "correlationId":"8d1b3ae0-0000-4000-8000-000000000000","eventDataId":"e0000000-0000-4000-8000-000000000000",
            "eventName":{"localizedValue":"End request" if status=="Succeeded" else "Begin request","value":"EndRequest" if status=="Succeeded" else "BeginRequest"},
            "eventTimestamp":ts,"level":"Informational","operationId":"0a0a0a0a-0000-4000-8000-000000000000",
            "operationName":{"localizedValue":op,"value":op},"resourceGroup":rid.split('/')[4],"resourceId":rid,
            "resourceProviderName":{"localizedValue":"Microsoft.CognitiveServices","value":"Microsoft.CognitiveServices"},
            "resourceType":{"localizedValue":"/".join(op.split('/')[:-1]),"value":"/".join(op.split('/')[:-1])},
            "status":{"localizedValue":status,"value":status},"subStatus":{"localizedValue":"","value":""},
            "submissionTimestamp":ts,"subscriptionId":A,"tenantId":TENANT}
def lid(x): return x.lower()
CHAT=lid(f"{EAST}/deployments/chat"); G41=lid(f"{EAST}/deployments/global-41"); PLAN=lid(f"{EAST}/commitmentPlans/PTU-Plan")
W="Microsoft.CognitiveServices/accounts/deployments/write"; D="Microsoft.CognitiveServices/accounts/deployments/delete"
def al(rid): return ['monitor','activity-log','list','--resource-id',rid,'--subscription',A]
put('log',al(CHAT),[
  event(f"{EAST}/deployments/chat",W,"Succeeded","2026-12-03T10:15:02.4711234Z"),
  event(f"{EAST}/deployments/chat",W,"Started","2026-12-03T10:14:50.1000000Z"),
  event(f"{EAST}/deployments/chat",W,"Succeeded","2026-10-01T08:15:31Z"),
])
put('log',al(G41),[
  event(f"{EAST}/deployments/global-41",D,"Succeeded","2026-12-02T16:40:00Z"),
  event(f"{EAST}/deployments/global-41",D,"Accepted","2026-12-02T16:39:40Z"),
])
put('log',al(PLAN),[
  event(f"{EAST}/commitmentPlans/PTU-Plan","Microsoft.CognitiveServices/accounts/commitmentPlans/write","Succeeded","2026-12-04T11:00:00Z"),
])
# AOAI-West's own deletion, for when it is gone (see gone/ and purged/).
put('gone-log',['monitor','activity-log','list','--resource-id',lid(WEST),'--subscription',B],[
  {**event(WEST,"Microsoft.CognitiveServices/accounts/delete","Succeeded","2026-12-02T07:30:00Z"),"subscriptionId":B},
  {**event(WEST,"Microsoft.CognitiveServices/accounts/delete","Started","2026-12-02T07:29:00Z"),"subscriptionId":B},
])

# ---- an account gone from subscription B
put('gone',['cognitiveservices','account','list','--subscription',B],[])

def deleted_account(sub, rg, name, loc, deleted, purge):
    a=account(f"/subscriptions/{sub}/providers/Microsoft.CognitiveServices/locations/{loc}/resourceGroups/{rg}/deletedAccounts/{name}",
              name,'AIServices',loc,rg)
    a["type"]="Microsoft.CognitiveServices/deletedAccounts"
    a["properties"]["provisioningState"]="Deleting"
    a["properties"]["deletionDate"]=deleted
    a["properties"]["scheduledPurgeDate"]=purge
    return a
OLD=deleted_account(B,'rg-apps','old-west','westus3',"2026-11-30T10:00:00Z","2026-12-02T10:00:00Z")
# soft-deleted: AOAI-West waits for its purge, 48 hours after its deletion
put('softdel',['cognitiveservices','account','list-deleted','--subscription',B],[
  OLD, deleted_account(B,'rg-apps','AOAI-West','westus3',"2026-12-03T08:00:00Z","2026-12-05T08:00:00Z")])
# purged: the deleted accounts show another one only
put('purged',['cognitiveservices','account','list-deleted','--subscription',B],[OLD])
